import AsyncHTTPClient
import Foundation
import TimelapserCore
import NIOCore

/// A benchmark could not go on (a request failed, an answer never came).
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A small HTTP client for the benchmarks.
struct BenchClient {
    let port: Int

    func json(_ method: String, _ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .RAW(value: method)
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        let object = try JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]
        return object?["data"] as? [String: Any] ?? [:]
    }

    func capture(camera: Int, bytes: [UInt8], at: Date) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/cameras/\(camera)/captures?captured_at=\(at.formatted(.iso8601))")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "image/jpeg")
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        let object = try JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]
        guard response.status == .created, let id = (object?["data"] as? [String: Any])?["image_id"] as? Int else {
            throw BenchmarkError("capture failed: \(response.status) \(String(buffer: data))")
        }
        return id
    }

    func events() async throws -> BenchEvents {
        try await BenchEvents(port: port)
    }
}

/// Completion times of images, read off the SSE stream as events arrive.
final class BenchEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var completed: [Int: ContinuousClock.Instant] = [:]
    private var task: Task<Void, Never>?

    init(port: Int) async throws {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/events")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        task = Task { [weak self] in
            var pending = ""
            do {
                for try await chunk in response.body {
                    let now = ContinuousClock.now
                    pending += String(buffer: chunk)
                    while let end = pending.range(of: "\n\n") {
                        let block = pending[..<end.lowerBound]
                        pending = String(pending[end.upperBound...])
                        guard block.contains("event: thumbnail_job_completed"),
                              let line = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
                              let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                              let id = object["image_id"] as? Int else { continue }
                        self?.lock.withLock { self?.completed[id] = now }
                    }
                }
            } catch {}
        }
    }

    func waitForCompletion(of ids: [Int], timeout: Duration = .seconds(120)) async throws -> [Int: ContinuousClock.Instant] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = lock.withLock { ids.compactMap { id in completed[id].map { (id, $0) } } }
            if found.count == ids.count { return Dictionary(uniqueKeysWithValues: found) }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw BenchmarkError("timed out waiting for thumbnails")
    }

    func close() { task?.cancel() }
}

