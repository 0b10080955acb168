import Database
import Events
import Foundation
import Logging
import ThumbnailJobs
import TimelapserCore

/// The queue's ceiling: no-op jobs claimed and completed per second (claims of `batch`, one fenced completion per
/// job, as the worker does), by `concurrency` claimers.
public enum QueueBenchmark {
    /// Seeds `jobs` image rows in a scratch database, queues them in bulk, drains them; returns one JSON line.
    public static func run(databaseURL: String, jobs: Int, batch: Int, concurrency: Int) async throws -> String {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let database = try await TimelapserDatabase.openMigrated(try DatabaseLocation(url: databaseURL), logger: logger)
        let (enqueueSeconds, runSeconds, done) = try await database.withRunningClient {
            let queue = ThumbnailJobQueue(database: database, wake: WakeSignal())
            try await Self.seedImages(database, count: jobs)
            let enqueueStart = ContinuousClock.now
            let queued = try await queue.enqueueBulk(.all, limit: nil, includeSmalls: true, sessionId: nil)
            let enqueueSeconds = (ContinuousClock.now - enqueueStart).timeInterval
            let start = ContinuousClock.now
            let done = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<concurrency {
                    group.addTask { try await Self.drain(queue, database: database, worker: "bench-\(i)", batch: batch) }
                }
                return try await group.reduce(0, +)
            }
            guard done == queued else { throw BenchmarkError("completed \(done) of \(queued)") }
            return (enqueueSeconds, (ContinuousClock.now - start).timeInterval, done)
        }
        await database.close()
        return #"{"engine": "\#(database.engine.rawValue)", "jobs": \#(done), "batch": \#(batch), "concurrency": \#(concurrency), "bulk_enqueue_seconds": \#(enqueueSeconds), "seconds": \#(runSeconds), "jobs_per_second": \#(Double(done) / runSeconds)}"#
    }

    static func drain(_ queue: ThumbnailJobQueue, database: TimelapserDatabase, worker: String, batch: Int) async throws -> Int {
        var done = 0
        while true {
            let jobs = try await queue.claim(workerId: worker, limit: batch)
            if jobs.isEmpty { return done }
            for job in jobs {
                let ok = try await database.autocommit {
                    try await JobStore.complete($0, jobId: job.id, workerId: worker, processingTimeMs: 0, at: Date())
                }
                if ok { done += 1 }
            }
        }
    }

    static func seedImages(_ database: TimelapserDatabase, count: Int) async throws {
        try await database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "bench", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: Date())
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "bench", startedAt: Date(), at: Date())
            for i in 0..<count {
                _ = try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: "bench/\(i).jpg",
                                                capturedAt: Date(), dayNumber: 1, fileSize: 1, width: 1, height: 1, at: Date())
            }
        }
    }
}
