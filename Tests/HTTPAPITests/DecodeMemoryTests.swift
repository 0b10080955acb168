import AsyncHTTPClient
import Foundation
@testable import Imaging
import NIOCore
import NIOHTTP1
import Testing
import TestSupport

/// Enormous progressive frames take their turn under the decode memory budget instead of piling up.
@Suite("Memory stays bounded on enormous inputs")
struct DecodeMemoryTests {
    /// A 10000×10000 progressive JPEG (100 MP, 4:2:0) of 64-pixel tiles: every 8×8 block is uniform, so it is quick
    /// to make and to decode, yet decoding it still holds all 150 M coefficients (about 300 MB).
    static func hundredMegapixelProgressive() -> [UInt8] {
        let width = 10_000, height = 10_000
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let tileRow = y / 64
                for x in 0..<width {
                    let tile = x / 64
                    let i = (y * width + x) * 3
                    out[i] = UInt8((tile * 37 + tileRow * 11) & 0xFF)
                    out[i + 1] = UInt8((tile * 13 + tileRow * 53) & 0xFF)
                    out[i + 2] = UInt8((tile * tileRow * 7 + 40) & 0xFF)
                }
            }
        }
        return Fixtures.encode(pixels, width: width, height: height, quality: 70, progressive: true)
    }

    static func request(_ port: Int, _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil,
                        jpeg: [UInt8]? = nil) async throws -> (status: Int, data: [String: Any]) {
        let answer = try await LiveHTTP.request(port, method, path, json: json, jpeg: jpeg)
        return (answer.status, LiveHTTP.data(answer.body) as? [String: Any] ?? [:])
    }

    /// The peak resident set of a process (`VmHWM`), in bytes.
    static func peakRSS(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    @Test("four 100 MP progressive frames uploaded at once, four workers: all get their variants, peak RSS under 500 MB",
          .enabled(if: ProcessInfo.processInfo.physicalMemory > 6 << 30))
    func fourHundredMegapixelFrames() async throws {
        let frame = Self.hundredMegapixelProgressive()
        let folder = TempDir()
        defer { folder.cleanup() }
        let port = TimelapserProcess.freePort()
        let server = try TimelapserProcess(
            ["serve", "--data-dir", folder.path, "--port", "\(port)", "--workers", "4"],
            environment: ["TIMELAPSER_DECODE_MEMORY_MB": "320"], logPath: folder.path + "/serve.log")
        defer { server.signal(SIGKILL) }
        try await waitUntil("the server to answer", timeout: .seconds(60), interval: .milliseconds(200)) {
            (try? await Self.request(port, .GET, "/api/health").status) == 200
        }
        _ = try await Self.request(port, .PATCH, "/api/settings", json: ["max_upload_bytes": 200 << 20, "min_free_disk_bytes": 0])
        let camera = try #require(try await Self.request(port, .POST, "/api/cameras", json: ["name": "huge"]).data["id"] as? Int)
        let timelapse = try #require(try await Self.request(port, .POST, "/api/cameras/\(camera)/timelapses",
                                                            json: ["started_at": "2026-03-01T08:00:00Z"]).data["id"] as? Int)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for minute in 0..<4 {
                group.addTask {
                    try await Self.request(port, .POST, "/api/cameras/\(camera)/captures?captured_at=2026-03-02T10:0\(minute):00Z",
                                           jpeg: frame).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == [201, 201, 201, 201], "\(statuses)\n\(server.log.suffix(2000))")
        try await waitUntil("the four frames' variants", timeout: .seconds(300), interval: .seconds(1)) {
            try await Self.request(port, .GET, "/api/timelapses/\(timelapse)").data["small_count"] as? Int == 4
        }
        let peak = try #require(Self.peakRSS(server.pid))
        #expect(peak < 500 << 20, "peak RSS \(peak >> 20) MB")
        print("decode memory: frame \(frame.count >> 20) MB, server peak RSS \(peak >> 20) MB")
    }

    @Test("the cost of a 100 MP progressive 4:2:0 frame is its coefficients; the budget refuses what it can never hold")
    func costAndRefusal() async throws {
        let progressive = Fixtures.encode([UInt8](repeating: 90, count: 64 * 48 * 3), width: 64, height: 48, progressive: true)
        let header = try progressive.withUnsafeBufferPointer { b throws(ImagingError) in try JPEGHeader.parse(b) }
        var huge = header
        huge.width = 10_000
        huge.height = 10_000
        #expect(DecodeCost.bytes(huge) == (4 << 20) + 150_000_000 * 2)
        let budget = DecodeMemoryBudget(capacity: 320 << 20)
        await #expect(throws: ImagingError.self) { try await budget.withReservation(600 << 20) { 1 } }
        // Two reservations that do not fit together run one after the other.
        let order = OrderLog()
        let (entered, inside) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await budget.withReservation(300 << 20) {
                await order.append("first in")
                inside.yield()
                try await Task.sleep(for: .milliseconds(200))
                await order.append("first out")
            }
        }
        var iterator = entered.makeAsyncIterator()
        _ = await iterator.next()
        try await budget.withReservation(300 << 20) { await order.append("second in") }
        try await first.value
        #expect(await order.entries == ["first in", "first out", "second in"])
        #expect(budget.used == 0)
    }

    actor OrderLog {
        var entries: [String] = []
        func append(_ entry: String) { entries.append(entry) }
    }
}
