import Database
import DataDirectory
import Foundation
import Imaging
import ThumbnailJobs
import TimelapserCore

/// End-to-end figures through the real application (the one `serve` runs, started by the caller on `port`):
/// capture POST → `thumbnail_job_completed` over SSE (idle and at a steady rate), pickup (job created →
/// started), and bulk regeneration throughput compared with the bare variant generation of the same frames on
/// the same cores.
public struct PipelineBenchmark: Sendable {
    let port: Int
    let database: TimelapserDatabase
    let queue: ThumbnailJobQueue
    let layout: DataLayout

    public init(port: Int, database: TimelapserDatabase, queue: ThumbnailJobQueue, layout: DataLayout) {
        self.port = port
        self.database = database
        self.queue = queue
        self.layout = layout
    }

    /// Runs every measurement on `frame` (a 1920×1080 JPEG) and returns the figures as one JSON line.
    public func run(frame bytes: [UInt8], captures: Int, rate: Double, regenerate: Int, workers: Int) async throws -> String {
        let bare = try Self.bareGenerationMs(bytes)
        let client = BenchClient(port: port)
        let camera = try await client.json("POST", "/api/cameras", ["name": "bench"])["id"] as! Int
        _ = try await client.json("POST", "/api/cameras/\(camera)/timelapses", ["started_at": "2026-01-01T00:00:00Z"])
        let events = try await client.events()
        defer { events.close() }
        let idle = try await Self.latency(client, events, camera: camera, bytes: bytes, count: captures, rate: nil, offset: 0)
        let loaded = try await Self.latency(client, events, camera: camera, bytes: bytes, count: captures, rate: rate, offset: captures)
        let pickup = try await database.read { try await JobStore.pickupLatencies($0) }
        let regeneration = try await regenerationRate(bytes: bytes, count: regenerate)
        let bareRate = try Self.bareRate(bytes, count: min(regenerate, 400), threads: workers)
        func ms(_ v: [Double], _ p: Double) -> String { String(format: "%.2f", BenchStatistics.percentile(v, p)) }
        return #"{"engine": "\#(database.engine.rawValue)", "workers": \#(workers), "bare_generation_ms": \#(String(format: "%.2f", bare)), "#
            + #""idle_e2e_ms": {"p50": \#(ms(idle, 0.5)), "p99": \#(ms(idle, 0.99))}, "#
            + #""loaded_e2e_ms": {"rate_per_s": \#(rate), "p50": \#(ms(loaded, 0.5)), "p99": \#(ms(loaded, 0.99))}, "#
            + #""pickup_ms": {"p50": \#(ms(pickup, 0.5)), "p99": \#(ms(pickup, 0.99))}, "#
            + #""regeneration": {"images": \#(regenerate), "images_per_second": \#(String(format: "%.1f", regeneration)), "#
            + #""bare_images_per_second": \#(String(format: "%.1f", bareRate)), "ratio": \#(String(format: "%.3f", regeneration / bareRate))}}"#
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

    /// Seeds `count` frames and times a bulk regeneration of them through the worker.
    func regenerationRate(bytes: [UInt8], count: Int) async throws -> Double {
        let cameraId = try await database.transaction { db -> Int64 in
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
            return camera.id
        }
        let before = try await queue.counts().completed
        let start = ContinuousClock.now
        _ = try await queue.enqueueBulk(ImageSelection(cameraId: cameraId), limit: nil, includeSmalls: true, sessionId: nil)
        while try await queue.counts().completed - before < count {
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
}
