import Foundation
import SQLKit
import TimelapserCore

/// Counts of jobs by status.
public struct JobCounts: Sendable, Equatable, Codable {
    public var pending = 0
    public var processing = 0
    public var completed = 0
    public var failed = 0
    public var cancelled = 0
    public init() {}
}

/// What a job row should say when it is queued.
public struct JobRequest: Sendable {
    public var priority: JobPriority
    public var priorityRank: Int
    public var jobType: JobType
    public var includeSmalls: Bool
    public var sessionId: Int64?
    public init(priority: JobPriority, priorityRank: Int, jobType: JobType, includeSmalls: Bool = true, sessionId: Int64? = nil) {
        self.priority = priority
        self.priorityRank = priorityRank
        self.jobType = jobType
        self.includeSmalls = includeSmalls
        self.sessionId = sessionId
    }
}

/// SQL of the thumbnail job queue. The rules (ranks, backoff, retries) are `ThumbnailJobQueue`'s.
public enum JobStore {
    static func decodeJobs(_ rows: [any SQLRow]) throws -> [ThumbnailJobRecord] {
        try rows.map { try $0.decode(model: ThumbnailJobRecord.self) }
    }

    /// Queues a job unless the image already has an active one; a better (lower) rank upgrades a waiting job.
    /// Returns the id of the active job for the image.
    public static func enqueue(_ db: DatabaseConnection, imageId: Int64, _ request: JobRequest, at now: Date) async throws -> Int64 {
        if let row = try await db.raw("""
            INSERT INTO thumbnail_generation_jobs
                (image_id, priority, priority_rank, status, job_type, include_smalls, session_id, created_at, run_at)
            VALUES (\(bind: imageId), \(bind: request.priority.rawValue), \(bind: request.priorityRank), 'pending', \(bind: request.jobType.rawValue),
                    \(bind: request.includeSmalls), \(bind: request.sessionId), \(bind: now), \(bind: now))
            ON CONFLICT (image_id) WHERE status IN ('pending', 'processing') DO UPDATE SET
                priority = excluded.priority, priority_rank = excluded.priority_rank,
                run_at = CASE WHEN thumbnail_generation_jobs.status = 'pending' THEN excluded.run_at ELSE thumbnail_generation_jobs.run_at END
            WHERE excluded.priority_rank < thumbnail_generation_jobs.priority_rank
            RETURNING id
            """).first() {
            return try row.decode(column: "id", as: Int64.self)
        }
        let existing = try await db.raw("""
            SELECT id FROM thumbnail_generation_jobs WHERE image_id = \(bind: imageId) AND status IN ('pending', 'processing')
            """).first()
        return try existing!.decode(column: "id", as: Int64.self)
    }

    /// Queues one job per image of `selection` in one statement; images that already have an active job are
    /// skipped. Returns how many were queued.
    public static func enqueueSelected(
        _ db: DatabaseConnection, _ selection: ImageSelection, limit: Int?, _ request: JobRequest, at now: Date
    ) async throws -> Int {
        let limitClause = limit.map { "LIMIT \($0)" } ?? ""
        let rows = try await db.raw("""
            INSERT INTO thumbnail_generation_jobs
                (image_id, priority, priority_rank, status, job_type, include_smalls, session_id, created_at, run_at)
            SELECT i.id, \(bind: request.priority.rawValue), \(bind: request.priorityRank), 'pending', \(bind: request.jobType.rawValue),
                   \(bind: request.includeSmalls), \(bind: request.sessionId), \(bind: now), \(bind: now)
            FROM images i WHERE (\(selection.condition))
              AND NOT EXISTS (SELECT 1 FROM thumbnail_generation_jobs j WHERE j.image_id = i.id AND j.status IN ('pending', 'processing'))
            ORDER BY i.id \(unsafeRaw: limitClause)
            ON CONFLICT DO NOTHING
            RETURNING id
            """).all()
        return rows.count
    }

    /// Atomically hands up to `limit` due jobs to `workerId`, best rank first, then oldest.
    public static func claim(
        _ db: DatabaseConnection, workerId: String, limit: Int, leaseUntil: Date, at now: Date
    ) async throws -> [ThumbnailJobRecord] {
        let rows = try await db.raw("""
            UPDATE thumbnail_generation_jobs SET status = 'processing', locked_by = \(bind: workerId),
                lease_until = \(bind: leaseUntil), started_at = \(bind: now), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM thumbnail_generation_jobs \(IndexedBy("idx_jobs_claim"))
                WHERE status = 'pending' AND run_at <= \(bind: now)
                ORDER BY priority_rank, id LIMIT \(bind: limit) \(SkipLocked())
            )
            RETURNING *
            """).all()
        return try decodeJobs(rows).sorted { ($0.priorityRank, $0.id) < ($1.priorityRank, $1.id) }
    }

    /// Extends the lease of jobs this worker still holds.
    public static func heartbeat(_ db: DatabaseConnection, workerId: String, jobIds: [Int64], leaseUntil: Date) async throws {
        guard !jobIds.isEmpty else { return }
        try await db.raw("""
            UPDATE thumbnail_generation_jobs SET lease_until = \(bind: leaseUntil)
            WHERE locked_by = \(bind: workerId) AND status = 'processing' AND id IN (\(binds: jobIds))
            """).run()
    }

    /// Completes a job only if `workerId` still holds it (fencing); returns false when the lease was lost.
    public static func complete(
        _ db: DatabaseConnection, jobId: Int64, workerId: String, processingTimeMs: Int, at now: Date
    ) async throws -> Bool {
        try await db.raw("""
            UPDATE thumbnail_generation_jobs SET status = 'completed', completed_at = \(bind: now),
                processing_time_ms = \(bind: processingTimeMs), locked_by = NULL, lease_until = NULL, error_message = NULL
            WHERE id = \(bind: jobId) AND locked_by = \(bind: workerId) AND status = 'processing'
            RETURNING id
            """).first() != nil
    }

    /// Records a failed attempt: back to pending at `retryAt`, or `failed` for good when `retryAt` is nil.
    /// Fenced like ``complete(_:jobId:workerId:processingTimeMs:at:)``.
    public static func fail(
        _ db: DatabaseConnection, jobId: Int64, workerId: String, error: String, retryAt: Date?,
        processingTimeMs: Int, at now: Date
    ) async throws -> ThumbnailJobRecord? {
        let rows: [any SQLRow]
        if let retryAt {
            rows = try await db.raw("""
                UPDATE thumbnail_generation_jobs SET status = 'pending', run_at = \(bind: retryAt), retry_count = retry_count + 1,
                    error_message = \(bind: error), locked_by = NULL, lease_until = NULL, processing_time_ms = \(bind: processingTimeMs)
                WHERE id = \(bind: jobId) AND locked_by = \(bind: workerId) AND status = 'processing'
                RETURNING *
                """).all()
        } else {
            rows = try await db.raw("""
                UPDATE thumbnail_generation_jobs SET status = 'failed', completed_at = \(bind: now), error_message = \(bind: error),
                    locked_by = NULL, lease_until = NULL, processing_time_ms = \(bind: processingTimeMs)
                WHERE id = \(bind: jobId) AND locked_by = \(bind: workerId) AND status = 'processing'
                RETURNING *
                """).all()
        }
        return try decodeJobs(rows).first
    }

    /// Gives held jobs back without burning an attempt (graceful shutdown).
    public static func release(_ db: DatabaseConnection, workerId: String, jobIds: [Int64], at now: Date) async throws {
        guard !jobIds.isEmpty else { return }
        try await db.raw("""
            UPDATE thumbnail_generation_jobs SET status = 'pending', locked_by = NULL, lease_until = NULL,
                attempts = attempts - 1, run_at = \(bind: now)
            WHERE locked_by = \(bind: workerId) AND status = 'processing' AND id IN (\(binds: jobIds))
            """).run()
    }

    /// Returns jobs whose lease ran out to the queue (or fails them after too many abandoned attempts);
    /// returns the rescued rows as they were, so their owners' temp files can be swept.
    public static func rescueExpired(_ db: DatabaseConnection, maxAttempts: Int, at now: Date) async throws -> [ThumbnailJobRecord] {
        let expired = try decodeJobs(try await db.raw("""
            SELECT * FROM thumbnail_generation_jobs WHERE status = 'processing' AND lease_until < \(bind: now) \(SkipLocked())
            """).all())
        guard !expired.isEmpty else { return [] }
        let ids = expired.map(\.id)
        try await db.raw("""
            UPDATE thumbnail_generation_jobs SET
                status = CASE WHEN attempts >= \(bind: maxAttempts) THEN 'failed' ELSE 'pending' END,
                error_message = CASE WHEN attempts >= \(bind: maxAttempts) THEN 'worker lost the job repeatedly' ELSE error_message END,
                completed_at = CASE WHEN attempts >= \(bind: maxAttempts) THEN \(bind: now) ELSE NULL END,
                locked_by = NULL, lease_until = NULL, run_at = \(bind: now)
            WHERE id IN (\(binds: ids)) AND status = 'processing'
            """).run()
        return expired
    }

    /// Cancels pending jobs (of one session, or all when nil); returns how many.
    public static func cancelPending(_ db: DatabaseConnection, sessionId: Int64?, at now: Date) async throws -> Int {
        let sessionFilter: SQLQueryString = sessionId.map { "AND session_id = \(bind: $0)" } ?? ""
        return try await db.raw("""
            UPDATE thumbnail_generation_jobs SET status = 'cancelled', completed_at = \(bind: now)
            WHERE status = 'pending' \(sessionFilter) RETURNING id
            """).all().count
    }

    /// Deletes finished jobs older than the cut-offs; returns how many.
    public static func prune(_ db: DatabaseConnection, completedBefore: Date, failedBefore: Date) async throws -> Int {
        try await db.raw("""
            DELETE FROM thumbnail_generation_jobs WHERE
                (status IN ('completed', 'cancelled') AND completed_at < \(bind: completedBefore))
                OR (status = 'failed' AND completed_at < \(bind: failedBefore))
            RETURNING id
            """).all().count
    }

    /// Counts by status, optionally for one regeneration session.
    public static func counts(_ db: DatabaseConnection, sessionId: Int64? = nil) async throws -> JobCounts {
        let filter: SQLQueryString = sessionId.map { "WHERE session_id = \(bind: $0)" } ?? ""
        var counts = JobCounts()
        for row in try await db.raw("SELECT status, COUNT(*) AS n FROM thumbnail_generation_jobs \(filter) GROUP BY status").all() {
            let n = try row.decode(column: "n", as: Int.self)
            switch try row.decode(column: "status", as: JobStatus.self) {
            case .pending: counts.pending = n
            case .processing: counts.processing = n
            case .completed: counts.completed = n
            case .failed: counts.failed = n
            case .cancelled: counts.cancelled = n
            }
        }
        return counts
    }

    /// Counts of jobs finished since `since`, by status.
    public static func finishedSince(_ db: DatabaseConnection, since: Date) async throws -> (completed: Int, failed: Int) {
        let row = try await db.raw("""
            SELECT
              COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS completed,
              COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed
            FROM thumbnail_generation_jobs WHERE completed_at >= \(bind: since)
            """).first()
        return (try row?.decode(column: "completed", as: Int.self) ?? 0, try row?.decode(column: "failed", as: Int.self) ?? 0)
    }

    public static func fetchOne(_ db: DatabaseConnection, id: Int64) async throws -> ThumbnailJobRecord? {
        try decodeJobs(try await db.raw("SELECT * FROM thumbnail_generation_jobs WHERE id = \(bind: id)").all()).first
    }

    /// Recent jobs, newest first, filtered by status and/or image.
    public static func fetchRecent(_ db: DatabaseConnection, status: JobStatus?, imageId: Int64?, limit: Int) async throws -> [ThumbnailJobRecord] {
        var conditions: [SQLQueryString] = []
        if let status { conditions.append("status = \(bind: status.rawValue)") }
        if let imageId { conditions.append("image_id = \(bind: imageId)") }
        let filter: SQLQueryString = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try decodeJobs(try await db.raw("""
            SELECT * FROM thumbnail_generation_jobs \(filter) ORDER BY id DESC LIMIT \(bind: limit)
            """).all())
    }

    /// Processing times of completed jobs finished since `since` (for percentiles).
    public static func processingTimes(_ db: DatabaseConnection, since: Date) async throws -> [Int] {
        try await db.raw("""
            SELECT processing_time_ms FROM thumbnail_generation_jobs
            WHERE status = 'completed' AND completed_at >= \(bind: since) AND processing_time_ms IS NOT NULL
            ORDER BY processing_time_ms
            """).all().map { try $0.decode(column: "processing_time_ms", as: Int.self) }
    }

    /// How long each started job waited between being queued and being claimed (milliseconds, ascending).
    public static func pickupLatencies(_ db: DatabaseConnection) async throws -> [Double] {
        try await db.raw("SELECT created_at, started_at FROM thumbnail_generation_jobs WHERE started_at IS NOT NULL").all().map {
            try $0.decode(column: "started_at", as: Date.self).timeIntervalSince(try $0.decode(column: "created_at", as: Date.self)) * 1000
        }.sorted()
    }
}

extension JobStore {
    /// The NOTIFY channel that wakes workers in other processes.
    public static let wakeChannel = "timelapser_jobs"

    /// Wakes workers of other processes (PostgreSQL only): inside a transaction the notification is delivered at
    /// commit, so a worker never wakes before the job is visible.
    public static func notifyWorkers(_ db: DatabaseConnection) async throws {
        guard db.dialect.name == "postgresql" else { return }
        try await db.raw("SELECT pg_notify(\(bind: wakeChannel), '')").run()
    }
}
