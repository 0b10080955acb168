import Database
import Events
import Foundation
import TimelapserCore

/// The thumbnail job queue: idempotent enqueue, atomic claims with leases, fenced completion, retries with
/// backoff, rescue of expired leases, pruning and statistics.
public struct ThumbnailJobQueue: Sendable {
    let database: TimelapserDatabase
    /// Wakes this process's worker the moment a job is queued.
    public let wake: WakeSignal
    /// How long a claim holds a job without a heartbeat.
    public let leaseDuration: Duration

    public init(database: TimelapserDatabase, wake: WakeSignal, leaseDuration: Duration = .seconds(30)) {
        self.database = database
        self.wake = wake
        self.leaseDuration = leaseDuration
    }

    /// The row a job of `priority` gets; bulk jobs rank after every capture.
    public static func request(_ priority: JobPriority, bulk: Bool = false, includeSmalls: Bool = true, sessionId: Int64? = nil) -> JobRequest {
        JobRequest(priority: priority, priorityRank: priority.rank(bulk: bulk),
                   jobType: bulk ? .bulk : .single, includeSmalls: includeSmalls, sessionId: sessionId)
    }

    /// Queues (or upgrades) the job of one image in its own transaction and wakes the workers.
    @discardableResult
    public func enqueue(imageId: Int64, priority: JobPriority, includeSmalls: Bool = true) async throws -> Int64 {
        let id = try await database.transaction { db in
            let id = try await JobStore.enqueue(db, imageId: imageId, Self.request(priority, includeSmalls: includeSmalls), at: Date())
            try await JobStore.notifyWorkers(db)
            return id
        }
        wake.signal()
        return id
    }

    /// Queues bulk jobs for every image of `selection` in one statement.
    public func enqueueBulk(_ selection: ImageSelection, limit: Int?, includeSmalls: Bool, sessionId: Int64?) async throws -> Int {
        let count = try await database.transaction { db in
            let n = try await JobStore.enqueueSelected(
                db, selection, limit: limit,
                Self.request(.low, bulk: true, includeSmalls: includeSmalls, sessionId: sessionId), at: Date())
            try await JobStore.notifyWorkers(db)
            return n
        }
        wake.signal()
        return count
    }

    /// Claims up to `limit` due jobs for `workerId`.
    public func claim(workerId: String, limit: Int) async throws -> [ThumbnailJobRecord] {
        let now = Date()
        // One UPDATE … WHERE id IN (SELECT … SKIP LOCKED) RETURNING: atomic on its own.
        return try await database.autocommit { db in
            try await JobStore.claim(db, workerId: workerId, limit: limit, leaseUntil: now + leaseDuration.timeInterval, at: now)
        }
    }

    /// Extends the leases of jobs `workerId` is still working on.
    public func heartbeat(workerId: String, jobIds: [Int64]) async throws {
        try await database.autocommit { db in
            try await JobStore.heartbeat(db, workerId: workerId, jobIds: jobIds, leaseUntil: Date() + leaseDuration.timeInterval)
        }
    }

    /// The outcome of a failed attempt.
    public enum FailureOutcome: Sendable, Equatable {
        case willRetry(at: Date)
        case failed
        /// The worker no longer held the job (lease expired and taken over): nothing was recorded.
        case leaseLost
    }

    /// Records a failure: retried after 30 s, 2 min, 5 min (+ up to 10 % jitter) until `maxRetries`, then failed.
    public func fail(_ job: ThumbnailJobRecord, workerId: String, error: String, processingTimeMs: Int, maxRetries: Int) async throws -> FailureOutcome {
        let now = Date()
        let retryAt = job.retryCount < maxRetries ? now + Self.backoff(retry: job.retryCount + 1) : nil
        let updated = try await database.autocommit { db in
            try await JobStore.fail(db, jobId: job.id, workerId: workerId, error: String(error.prefix(2000)),
                                    retryAt: retryAt, processingTimeMs: processingTimeMs, at: now)
        }
        guard updated != nil else { return .leaseLost }
        return retryAt.map { .willRetry(at: $0) } ?? .failed
    }

    /// Delay before retry number `retry` (1-based): 30 s, 2 min, then 5 min, plus up to 10 % jitter.
    public static func backoff(retry: Int, jitter: Double = Double.random(in: 0..<0.1)) -> TimeInterval {
        let base: TimeInterval = [30, 120, 300][min(max(retry, 1), 3) - 1]
        return base * (1 + jitter)
    }

    /// Gives jobs back without burning an attempt (graceful shutdown).
    public func release(workerId: String, jobIds: [Int64]) async throws {
        try await database.transaction { db in
            try await JobStore.release(db, workerId: workerId, jobIds: jobIds, at: Date())
            try await JobStore.notifyWorkers(db)
        }
        wake.signal()
    }

    /// Returns expired leases to the queue; a job abandoned more than `maxRetries + 1` times is failed.
    public func rescueExpired(maxRetries: Int) async throws -> [ThumbnailJobRecord] {
        let rescued = try await database.transaction { db in
            let rows = try await JobStore.rescueExpired(db, maxAttempts: maxRetries + 2, at: Date())
            if !rows.isEmpty { try await JobStore.notifyWorkers(db) }
            return rows
        }
        if !rescued.isEmpty { wake.signal() }
        return rescued
    }

    /// Cancels pending jobs of a session (all pending when nil).
    public func cancelPending(sessionId: Int64?) async throws -> Int {
        try await database.autocommit { db in try await JobStore.cancelPending(db, sessionId: sessionId, at: Date()) }
    }

    /// Deletes completed/cancelled jobs older than `completedHours` and failed ones older than 24 h.
    public func prune(completedHours: Int, now: Date = Date()) async throws -> Int {
        try await database.autocommit { db in
            try await JobStore.prune(db, completedBefore: now - TimeInterval(completedHours) * 3600,
                                     failedBefore: now - 24 * 3600)
        }
    }

    public func counts(sessionId: Int64? = nil) async throws -> JobCounts {
        try await database.read { try await JobStore.counts($0, sessionId: sessionId) }
    }

    public func recent(status: JobStatus?, imageId: Int64?, limit: Int) async throws -> [ThumbnailJobRecord] {
        try await database.read { try await JobStore.fetchRecent($0, status: status, imageId: imageId, limit: limit) }
    }

    public func job(_ id: Int64) async throws -> ThumbnailJobRecord? {
        try await database.read { try await JobStore.fetchOne($0, id: id) }
    }
}
