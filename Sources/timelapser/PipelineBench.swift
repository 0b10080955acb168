import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Imaging
import Logging
import NIOCore
import ServiceLifecycle
import Storage
import Thumbnails

/// End-to-end figures through the real application: capture POST → `thumbnail_job_completed` over SSE
/// (idle and at a steady rate), pickup (job created → started), and bulk regeneration throughput compared with
/// the bare variant generation of the same frames on the same cores.
struct PipelineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline", abstract: "Capture-to-thumbnail latency and regeneration rate.")

    @Option(name: .customLong("database-url"), help: "A scratch database (sqlite:///… or postgres://…).") var databaseURL: String
    @Option(name: .customLong("data-dir"), help: "A scratch data directory.") var dataDir: String
    @Option(help: "A 1920×1080 JPEG used as every frame.") var frame: String
    @Option(help: "Captures per latency run.") var captures: Int = 200
    @Option(help: "Steady capture rate for the loaded run (per second).") var rate: Double = 10
    @Option(help: "Frames for the regeneration run.") var regenerate: Int = 2000
    @Option(help: "Worker threads.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: frame)))
        let bare = try Self.bareGenerationMs(bytes)
        let port = Self.freePort()
        let configuration = AppConfiguration(host: "127.0.0.1", port: port, layout: DataLayout(root: dataDir),
                                             database: try DatabaseLocation(url: databaseURL), workers: workers, apiToken: nil)
        let composition = try await Composition.make(configuration, logger: logger)
        var services = composition.infrastructureServices
        if let listener = composition.jobNotificationListener { services.append(listener) }
        services.append(composition.worker)
        let app = Application(router: HTTPAPI.buildRouter(composition.apiServices),
                              configuration: .init(address: .hostname("127.0.0.1", port: port)), services: services, logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(500))
            let client = BenchClient(port: port)
            let camera = try await client.json("POST", "/api/cameras", ["name": "bench"])["id"] as! Int
            _ = try await client.json("POST", "/api/cameras/\(camera)/timelapses", ["started_at": "2026-01-01T00:00:00Z"])
            let events = try await client.events()
            let idle = try await Self.latency(client, events, camera: camera, bytes: bytes, count: captures, rate: nil, offset: 0)
            let loaded = try await Self.latency(client, events, camera: camera, bytes: bytes, count: captures, rate: rate, offset: captures)
            let pickup = try await Self.pickupLatencies(composition.database)
            let regeneration = try await Self.regenerationRate(composition, bytes: bytes, count: regenerate)
            let bareRate = try Self.bareRate(bytes, count: min(regenerate, 400), threads: workers)
            func ms(_ v: [Double], _ p: Double) -> String { String(format: "%.2f", Self.percentile(v, p)) }
            print(#"{"engine": "\#(composition.database.engine.rawValue)", "workers": \#(workers), "bare_generation_ms": \#(String(format: "%.2f", bare)), "#
                + #""idle_e2e_ms": {"p50": \#(ms(idle, 0.5)), "p99": \#(ms(idle, 0.99))}, "#
                + #""loaded_e2e_ms": {"rate_per_s": \#(rate), "p50": \#(ms(loaded, 0.5)), "p99": \#(ms(loaded, 0.99))}, "#
                + #""pickup_ms": {"p50": \#(ms(pickup, 0.5)), "p99": \#(ms(pickup, 0.99))}, "#
                + #""regeneration": {"images": \#(regenerate), "images_per_second": \#(String(format: "%.1f", regeneration)), "#
                + #""bare_images_per_second": \#(String(format: "%.1f", bareRate)), "ratio": \#(String(format: "%.3f", regeneration / bareRate))}}"#)
            events.close()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Capture POST → completion event, per frame (ms). `rate` nil: one at a time (idle system).
    static func latency(_ client: BenchClient, _ events: BenchEvents, camera: Int, bytes: [UInt8], count: Int,
                        rate: Double?, offset: Int) async throws -> [Double] {
        let base = Date(timeIntervalSince1970: 1_767_225_600 + Double(offset) * 2)
        var sent: [Int: ContinuousClock.Instant] = [:]
        var results: [Double] = []
        let start = ContinuousClock.now
        for i in 0..<count {
            if let rate {
                let due = start + .milliseconds(Int(Double(i) * 1000 / rate))
                if due > .now { try await Task.sleep(until: due) }
            }
            let at = base + Double(i) * 2
            let posted = ContinuousClock.now
            let id = try await client.capture(camera: camera, bytes: bytes, at: at)
            sent[id] = posted
            if rate == nil {
                let done = try await events.waitForCompletion(of: [id])
                results.append((done[id]! - posted).milliseconds)
            }
        }
        if rate != nil {
            let done = try await events.waitForCompletion(of: Array(sent.keys))
            for (id, posted) in sent { results.append((done[id]! - posted).milliseconds) }
        }
        return results.sorted()
    }

    static func pickupLatencies(_ database: TimelapserDatabase) async throws -> [Double] {
        try await database.read { db in
            try await db.raw("SELECT created_at, started_at FROM thumbnail_generation_jobs WHERE started_at IS NOT NULL").all().map {
                try $0.decode(column: "started_at", as: Date.self).timeIntervalSince(try $0.decode(column: "created_at", as: Date.self)) * 1000
            }
        }.sorted()
    }

    /// Seeds `count` frames and times a bulk regeneration of them through the worker.
    static func regenerationRate(_ composition: Composition, bytes: [UInt8], count: Int) async throws -> Double {
        let layout = composition.configuration.layout
        let database = composition.database
        _ = try await database.transaction { db -> Int in
            let camera = try await CameraStore.insert(db, name: "regen", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: false, at: Date())
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "regen", startedAt: Date(timeIntervalSince1970: 1_700_000_000), at: Date())
            let folder = DataLayout.framesDirectory(cameraId: camera.id, timelapseId: timelapse.id)
            try FileManager.default.createDirectory(atPath: layout.root + "/" + folder, withIntermediateDirectories: true)
            for i in 0..<count {
                let name = DataLayout.frameName(timelapseId: timelapse.id, dayNumber: 1 + i / 86_400, clock: String(format: "%06d", i % 86_400))
                try Data(bytes).write(to: URL(fileURLWithPath: layout.root + "/" + folder + "/" + name))
                _ = try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: folder + "/" + name,
                                                capturedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(i)), dayNumber: 1,
                                                fileSize: Int64(bytes.count), width: 1920, height: 1080, at: Date())
            }
            return count
        }
        let before = try await composition.queue.counts().completed
        let start = ContinuousClock.now
        _ = try await composition.queue.enqueueBulk(imageFilter: "i.camera_id = (SELECT MAX(id) FROM cameras)", limit: nil,
                                                    includeSmalls: true, sessionId: nil)
        while try await composition.queue.counts().completed - before < count {
            try await Task.sleep(for: .milliseconds(20))
        }
        return Double(count) / (ContinuousClock.now - start).timeInterval
    }

    /// One frame's variants, best of 20 (ms).
    static func bareGenerationMs(_ bytes: [UInt8]) throws -> Double {
        let generator = VariantGenerator()
        var best = Double.infinity
        for _ in 0..<20 {
            let start = ContinuousClock.now
            _ = try generator.makeVariants(data: bytes, thumbnail: .thumbnail(), small: .small())
            best = min(best, (ContinuousClock.now - start).milliseconds)
        }
        return best
    }

    /// Bare generation throughput from files on `threads` threads, writing the outputs (images/s).
    static func bareRate(_ bytes: [UInt8], count: Int, threads: Int) throws -> Double {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-bare-\(UUID().uuidString)").path
        let corpus = dir + "/corpus", out = dir + "/out"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<count { try Data(bytes).write(to: URL(fileURLWithPath: corpus + "/f\(i).jpg")) }
        let result = try CorpusBenchmark.run(corpus: corpus, out: out, threads: threads, generator: VariantGenerator())
        return Double(result.images) / result.seconds
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

extension Duration {
    var milliseconds: Double { timeInterval * 1000 }
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
            throw ValidationError("capture failed: \(response.status) \(String(buffer: data))")
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
        throw ValidationError("timed out waiting for thumbnails")
    }

    func close() { task?.cancel() }
}

import HTTPAPI
