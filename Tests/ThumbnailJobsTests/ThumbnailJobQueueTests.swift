@testable import Database
import DataDirectory
import Events
import Foundation
import SQLKit
import Testing
import TestSupport
@testable import ThumbnailJobs
@testable import TimelapserCore

@Suite("Thumbnail job queue on both engines")
struct ThumbnailJobQueueTests {
    /// Inserts `count` image rows (no files needed for queue semantics) and returns their ids.
    static func images(_ database: TimelapserDatabase, count: Int) async throws -> [Int64] {
        try await database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "c", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: Date())
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "t", startedAt: Date(), at: Date())
            var ids: [Int64] = []
            for i in 0..<count {
                let image = try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: "f/\(i).jpg",
                                                        capturedAt: Date(), dayNumber: 1, fileSize: 1, width: 1, height: 1, at: Date())
                ids.append(image.id)
            }
            return ids
        }
    }

    static func queue(_ t: TestDatabase) -> ThumbnailJobQueue {
        ThumbnailJobQueue(database: t.database, wake: WakeSignal(), leaseDuration: .seconds(30))
    }

    @Test("claims by rank then age: high, capture, bulk, low", arguments: TestEngines.all)
    func priorityOrder(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 6)
            let queue = Self.queue(t)
            try await queue.enqueue(imageId: ids[0], priority: .low)
            _ = try await queue.enqueueBulk(ImageSelection(imageIds: [ids[1], ids[2]]), limit: nil, includeSmalls: true, sessionId: nil)
            try await queue.enqueue(imageId: ids[3], priority: .medium)
            try await queue.enqueue(imageId: ids[4], priority: .high)
            try await queue.enqueue(imageId: ids[5], priority: .medium)
            let claimed = try await queue.claim(workerId: "w", limit: 10)
            #expect(claimed.map(\.imageId) == [ids[4], ids[3], ids[5], ids[1], ids[2], ids[0]])
            #expect(claimed.allSatisfy { $0.status == .processing && $0.lockedBy == "w" && $0.attempts == 1 })
            #expect(try await queue.claim(workerId: "w2", limit: 10).isEmpty)
        }
    }

    @Test("a capture is claimed next whatever the bulk backlog", arguments: TestEngines.all)
    func capturesNeverWaitBehindBulk(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 301)
            let queue = Self.queue(t)
            let queued = try await queue.enqueueBulk(ImageSelection(excludingIds: [ids[300]]), limit: nil, includeSmalls: true, sessionId: nil)
            #expect(queued == 300)
            try await queue.enqueue(imageId: ids[300], priority: .medium)
            let first = try await queue.claim(workerId: "w", limit: 1)
            #expect(first.map(\.imageId) == [ids[300]])
        }
    }

    @Test("enqueue is idempotent per image; a higher priority upgrades the waiting job", arguments: TestEngines.all)
    func dedupe(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 1)
            let queue = Self.queue(t)
            let a = try await queue.enqueue(imageId: ids[0], priority: .low)
            let b = try await queue.enqueue(imageId: ids[0], priority: .medium)
            let c = try await queue.enqueue(imageId: ids[0], priority: .low)
            #expect(a == b && b == c)
            let job = try #require(try await queue.job(a))
            #expect(job.priority == .medium)
            #expect(job.priorityRank == JobPriority.medium.rank(bulk: false))
            #expect(try await queue.counts().pending == 1)
            // While it is processing, a new request still maps to it; after completion a new job is created.
            let claimed = try await queue.claim(workerId: "w", limit: 1)
            #expect(try await queue.enqueue(imageId: ids[0], priority: .high) == a)
            #expect(try await t.database.transaction { try await JobStore.complete($0, jobId: claimed[0].id, workerId: "w", processingTimeMs: 5, at: Date()) })
            let d = try await queue.enqueue(imageId: ids[0], priority: .high)
            #expect(d != a)
        }
    }

    @Test("retries after 30 s, 2 min, 5 min (+ jitter), then failed with the error kept", arguments: TestEngines.all)
    func backoffAndMaxRetries(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 1)
            let queue = Self.queue(t)
            let id = try await queue.enqueue(imageId: ids[0], priority: .medium)
            for (retry, base) in [(1, 30.0), (2, 120.0), (3, 300.0)] {
                let job = try #require(try await queue.claim(workerId: "w", limit: 1).first)
                let before = Date()
                let outcome = try await queue.fail(job, workerId: "w", error: "boom \(retry)", processingTimeMs: 1, maxRetries: 3)
                guard case .willRetry(let at) = outcome else { Issue.record("expected a retry, got \(outcome)"); return }
                let delay = at.timeIntervalSince(before)
                #expect(delay >= base - 1 && delay <= base * 1.1 + 1, "retry \(retry): \(delay) s")
                let row = try #require(try await queue.job(id))
                #expect(row.status == .pending)
                #expect(row.retryCount == retry)
                #expect(row.errorMessage == "boom \(retry)")
                // Not claimable before its time…
                #expect(try await queue.claim(workerId: "w", limit: 1).isEmpty)
                // …then due (time travel by moving run_at back).
                try await t.database.transaction { db in
                    try await db.raw("UPDATE thumbnail_generation_jobs SET run_at = \(bind: Date() - 1) WHERE id = \(bind: id)").run()
                }
            }
            let last = try #require(try await queue.claim(workerId: "w", limit: 1).first)
            #expect(try await queue.fail(last, workerId: "w", error: "final", processingTimeMs: 1, maxRetries: 3) == .failed)
            let row = try #require(try await queue.job(id))
            #expect(row.status == .failed)
            #expect(row.errorMessage == "final")
            #expect(row.attempts == 4)
            #expect(try await queue.counts().failed == 1)
        }
    }

    @Test("an expired lease is rescued; the old owner can no longer complete (fencing)", arguments: TestEngines.all)
    func leaseRescueAndFencing(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 1)
            let queue = Self.queue(t)
            let id = try await queue.enqueue(imageId: ids[0], priority: .medium)
            let first = try #require(try await queue.claim(workerId: "crashed", limit: 1).first)
            #expect(try await queue.rescueExpired(maxRetries: 3).isEmpty, "a live lease is left alone")
            try await t.database.transaction { db in
                try await db.raw("UPDATE thumbnail_generation_jobs SET lease_until = \(bind: Date() - 5) WHERE id = \(bind: id)").run()
            }
            let rescued = try await queue.rescueExpired(maxRetries: 3)
            #expect(rescued.map(\.id) == [id])
            #expect(rescued.first?.lockedBy == "crashed")
            let second = try #require(try await queue.claim(workerId: "healthy", limit: 1).first)
            #expect(second.id == id)
            #expect(second.attempts == 2)
            let stale = try await t.database.transaction {
                try await JobStore.complete($0, jobId: first.id, workerId: "crashed", processingTimeMs: 1, at: Date())
            }
            #expect(!stale)
            #expect(try await queue.fail(first, workerId: "crashed", error: "late", processingTimeMs: 1, maxRetries: 3) == .leaseLost)
            let fresh = try await t.database.transaction {
                try await JobStore.complete($0, jobId: second.id, workerId: "healthy", processingTimeMs: 1, at: Date())
            }
            #expect(fresh)
            #expect(try await queue.job(id)?.status == .completed)
        }
    }

    @Test("heartbeats keep a lease; release gives jobs back without burning an attempt", arguments: TestEngines.all)
    func heartbeatAndRelease(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 2)
            let queue = Self.queue(t)
            for id in ids { try await queue.enqueue(imageId: id, priority: .medium) }
            let jobs = try await queue.claim(workerId: "w", limit: 2)
            let before = try #require(try await queue.job(jobs[0].id)?.leaseUntil)
            try await Task.sleep(for: .milliseconds(20))
            try await queue.heartbeat(workerId: "w", jobIds: [jobs[0].id])
            let after = try #require(try await queue.job(jobs[0].id)?.leaseUntil)
            #expect(after > before)
            try await queue.release(workerId: "w", jobIds: jobs.map(\.id))
            for job in jobs {
                let row = try #require(try await queue.job(job.id))
                #expect(row.status == .pending)
                #expect(row.attempts == 0)
                #expect(row.lockedBy == nil)
            }
        }
    }

    @Test("finished jobs are pruned after thumbnail_cleanup_hours, failed ones after 24 h", arguments: TestEngines.all)
    func pruning(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 4)
            let queue = Self.queue(t)
            var queued: [Int64] = []
            for id in ids { queued.append(try await queue.enqueue(imageId: id, priority: .medium)) }
            let jobIds = queued
            let now = Date()
            try await t.database.transaction { db in
                let rows: [(Int64, String, Double)] = [(jobIds[0], "completed", 3 * 3600), (jobIds[1], "completed", 1 * 3600),
                                                       (jobIds[2], "failed", 23 * 3600), (jobIds[3], "failed", 25 * 3600)]
                for (id, status, age) in rows {
                    try await db.raw("""
                        UPDATE thumbnail_generation_jobs SET status = \(bind: status), completed_at = \(bind: now - age) WHERE id = \(bind: id)
                        """).run()
                }
            }
            #expect(try await queue.prune(completedHours: 2, now: now) == 2)
            #expect(try await queue.job(jobIds[0]) == nil)
            #expect(try await queue.job(jobIds[1]) != nil)
            #expect(try await queue.job(jobIds[2]) != nil)
            #expect(try await queue.job(jobIds[3]) == nil)
        }
    }

    @Test("cancel pending jobs of one session only", arguments: TestEngines.all)
    func cancelSession(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let ids = try await Self.images(t.database, count: 3)
            let queue = Self.queue(t)
            let session = try await t.database.transaction { db in
                try await db.raw("""
                    INSERT INTO regeneration_sessions (status, force_all, total, started_at) VALUES ('active', \(bind: true), 2, \(bind: Date()))
                    RETURNING id
                    """).first()!.decode(column: "id", as: Int64.self)
            }
            _ = try await queue.enqueueBulk(ImageSelection(imageIds: [ids[0], ids[1]]), limit: nil,
                                            includeSmalls: true, sessionId: session)
            try await queue.enqueue(imageId: ids[2], priority: .medium)
            #expect(try await queue.cancelPending(sessionId: session) == 2)
            #expect(try await queue.counts(sessionId: session).cancelled == 2)
            #expect(try await queue.counts().pending == 1)
        }
    }

    @Test func backoffSchedule() {
        #expect(ThumbnailJobQueue.backoff(retry: 1, jitter: 0) == 30)
        #expect(ThumbnailJobQueue.backoff(retry: 2, jitter: 0) == 120)
        #expect(ThumbnailJobQueue.backoff(retry: 3, jitter: 0) == 300)
        #expect(ThumbnailJobQueue.backoff(retry: 7, jitter: 0.05) == 315)
    }
}
