@testable import Database
import DataDirectory
import Events
import Foundation
import Imaging
import SQLKit
import Testing
import TestSupport
@testable import ThumbnailJobs
@testable import TimelapserCore

/// Real `timelapser` processes sharing one database and one data directory.
@Suite("Worker processes: exactly once, and crash recovery", .serialized)
struct MultiProcessWorkerTests {
    static func queueCounts(_ database: TimelapserDatabase) async throws -> JobCounts {
        try await database.read { try await JobStore.counts($0) }
    }

    /// Waits until no job is pending or processing.
    static func waitForDrain(_ database: TimelapserDatabase, timeout: Duration = .seconds(120)) async throws -> JobCounts {
        let deadline = ContinuousClock.now + timeout
        var counts = try await queueCounts(database)
        while (counts.pending > 0 || counts.processing > 0) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            counts = try await queueCounts(database)
        }
        return counts
    }

    /// Every image has exactly the expected thumbnail generation and a thumbnail file that decodes fully (every
    /// pixel, through libvips), and no temp file is left in any variant folder.
    static func expectAllThumbnails(_ t: TestDatabase, generation: ClosedRange<Int>) async throws {
        let images = try await t.database.read { try await ImageStore.fetchAll($0, timelapseId: nil) }
        for image in images {
            #expect(generation.contains(image.thumbnailGeneration), "image \(image.id) generation \(image.thumbnailGeneration)")
            let path = try #require(image.thumbnailPath.flatMap { t.layout.absolutePath($0) }, "image \(image.id) has no thumbnail")
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let decoded = try #require(Fixtures.decode(bytes), "thumbnail of image \(image.id) does not decode")
            #expect(decoded.width <= 200 && decoded.height <= 150 && decoded.pixels.count == decoded.width * decoded.height * decoded.bands)
        }
        let enumerator = FileManager.default.enumerator(atPath: t.layout.root + "/cameras")
        var temps: [String] = []
        while let name = enumerator?.nextObject() as? String {
            if name.contains("/.tmp.") { temps.append(name) }
        }
        #expect(temps.isEmpty, "temp files left: \(temps.prefix(5))")
    }

    /// Jobs claimed more than once: only those a killed process held may be (a live worker whose leases expired,
    /// for want of heartbeats, would have its jobs taken over and show up here).
    static func expectRetriedAtMost(_ t: TestDatabase, _ limit: Int) async throws {
        let jobs = try await t.database.read { try await JobStore.fetchRecent($0, status: nil, imageId: nil, limit: 100_000) }
        let retried = jobs.filter { $0.attempts > 1 }
        #expect(retried.count <= limit, "jobs claimed more than once: \(retried.count), more than the \(limit) a crash can explain")
    }

    static func workers(_ t: TestDatabase, count: Int, threads: Int, lease: Int) throws -> [TimelapserProcess] {
        try (0..<count).map { i in
            try TimelapserProcess(["worker", "--database-url", t.url, "--data-dir", t.layout.root, "--workers", "\(threads)"],
                                  environment: ["TIMELAPSER_JOB_LEASE_SECONDS": "\(lease)"],
                                  logPath: t.layout.root + "/worker-\(i).log")
        }
    }

    @Test("3 worker processes + the server: 1,000 jobs, each image processed exactly once",
          .enabled(if: TestEngines.all.contains(.postgresql)))
    func exactlyOnce() async throws {
        try await withTestDatabase(.postgresql) { t in
            let ids = try await FrameSeeder.seed(t.database, layout: t.layout, count: 1000, jpeg: TestFrames.scene(width: 160, height: 120))
            let port = TimelapserProcess.freePort()
            let server = try TimelapserProcess(["serve", "--database-url", t.url, "--data-dir", t.layout.root, "--port", "\(port)", "--workers", "1"],
                                               logPath: t.layout.root + "/serve.log")
            let workers = try Self.workers(t, count: 3, threads: 1, lease: 30)
            defer { for p in workers + [server] { p.signal(SIGKILL) } }
            try await Task.sleep(for: .milliseconds(500))
            let queue = ThumbnailJobQueue(database: t.database, wake: WakeSignal())
            _ = try await queue.enqueueBulk(.all, limit: nil, includeSmalls: true, sessionId: nil)
            let counts = try await Self.waitForDrain(t.database)
            #expect(counts.pending == 0 && counts.processing == 0)
            #expect(counts.completed == ids.count)
            #expect(counts.failed == 0)
            let attempts = try await t.database.read { db in
                try await db.raw("SELECT MAX(attempts) AS a, COUNT(DISTINCT image_id) AS n FROM thumbnail_generation_jobs").first()!
            }
            #expect(try attempts.decode(column: "a", as: Int.self) == 1)
            #expect(try attempts.decode(column: "n", as: Int.self) == ids.count)
            try await Self.expectAllThumbnails(t, generation: 1...1)
            try await Self.expectRetriedAtMost(t, 0)
            for p in workers + [server] { p.signal(SIGTERM) }
            for p in workers + [server] { #expect(await p.waitForExit(), "graceful stop") }
        }
    }

    @Test("kill -9 of a worker mid-run: every job still completes, none stuck, no partial file",
          .enabled(if: TestEngines.all.contains(.postgresql)))
    func workerCrash() async throws {
        try await withTestDatabase(.postgresql) { t in
            let ids = try await FrameSeeder.seed(t.database, layout: t.layout, count: 400, jpeg: TestFrames.scene(width: 1280, height: 960))
            let workers = try Self.workers(t, count: 3, threads: 1, lease: 3)
            defer { for p in workers { p.signal(SIGKILL) } }
            try await Task.sleep(for: .milliseconds(500))
            let queue = ThumbnailJobQueue(database: t.database, wake: WakeSignal())
            _ = try await queue.enqueueBulk(.all, limit: nil, includeSmalls: true, sessionId: nil)
            try await waitUntil("40 jobs completed", timeout: .seconds(120)) {
                try await Self.queueCounts(t.database).completed >= 40
            }
            workers[0].signal(SIGKILL)
            let counts = try await Self.waitForDrain(t.database)
            #expect(counts.pending == 0 && counts.processing == 0, "\(counts)")
            #expect(counts.completed == ids.count, "\(counts)")
            try await Self.expectAllThumbnails(t, generation: 1...1)
            // The killed worker held at most two jobs (two per thread).
            try await Self.expectRetriedAtMost(t, 2)
        }
    }

    @Test("kill -9 of serve on SQLite during a 300-image regeneration; a restart finishes the queue")
    func serveCrashOnSQLite() async throws {
        try await withTestDatabase(.sqlite) { t in
            _ = try await FrameSeeder.seed(t.database, layout: t.layout, count: 300, jpeg: TestFrames.scene(width: 1600, height: 1200))
            let queue = ThumbnailJobQueue(database: t.database, wake: WakeSignal())
            _ = try await queue.enqueueBulk(.all, limit: nil, includeSmalls: true, sessionId: nil)
            let arguments = ["serve", "--database-url", t.url, "--data-dir", t.layout.root, "--port", "\(TimelapserProcess.freePort())", "--workers", "2"]
            let first = try TimelapserProcess(arguments, environment: ["TIMELAPSER_JOB_LEASE_SECONDS": "3"], logPath: t.layout.root + "/serve-1.log")
            var progress = try await Self.queueCounts(t.database)
            let deadline = ContinuousClock.now + .seconds(60)
            while progress.completed < 30, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                progress = try await Self.queueCounts(t.database)
            }
            first.signal(SIGKILL)
            #expect(await first.waitForExit(timeout: .seconds(5)))
            progress = try await Self.queueCounts(t.database)
            #expect(progress.completed < 300, "the crash should land mid-run")
            let second = try TimelapserProcess(arguments, environment: ["TIMELAPSER_JOB_LEASE_SECONDS": "3"], logPath: t.layout.root + "/serve-2.log")
            defer { second.signal(SIGKILL) }
            let counts = try await Self.waitForDrain(t.database)
            #expect(counts.pending == 0 && counts.processing == 0, "\(counts)")
            #expect(counts.completed == 300, "\(counts)")
            try await Self.expectAllThumbnails(t, generation: 1...1)
            // The killed server held at most four jobs (two per thread, two threads).
            try await Self.expectRetriedAtMost(t, 4)
            second.signal(SIGTERM)
            #expect(await second.waitForExit())
        }
    }
}
