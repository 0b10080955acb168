import Foundation
import SQLKit
import TimelapserCore

/// SQL of video renders: the `videos` rows as a persistent job queue (leases, heartbeats, fenced completion,
/// rescue, like `thumbnail_generation_jobs`), the frames a render reads, and render automation. The rules are
/// the Videos module's.
public enum VideoStore {
    static func decode(_ rows: [any SQLRow]) throws -> [VideoRecord] {
        try rows.map { try $0.decode(model: VideoRecord.self, keyDecodingStrategy: .convertFromSnakeCase) }
    }

    /// The version the next render named `name` of a timelapse gets (1 for the first).
    public static func nextVersion(_ db: DatabaseConnection, timelapseId: Int64, name: String) async throws -> Int {
        try await TimelapseLock.acquire(db, timelapseId: timelapseId)
        let row = try await db.raw("""
            SELECT COALESCE(MAX(version), 0) + 1 AS next FROM videos WHERE timelapse_id = \(bind: timelapseId) AND name = \(bind: name)
            """).first()
        return try row?.decode(column: "next", as: Int.self) ?? 1
    }

    /// Queues a render (call ``nextVersion(_:timelapseId:name:)`` first, in the same transaction).
    public static func insert(
        _ db: DatabaseConnection, timelapseId: Int64, name: String, version: Int, filePath: String, origin: VideoOrigin,
        settings: String, at now: Date
    ) async throws -> VideoRecord {
        try decode(try await db.raw("""
            INSERT INTO videos (timelapse_id, name, version, file_path, status, origin, settings, created_at)
            VALUES (\(bind: timelapseId), \(bind: name), \(bind: version), \(bind: filePath), 'queued', \(bind: origin.rawValue),
                    \(bind: settings), \(bind: now))
            RETURNING *
            """).all())[0]
    }

    public static func fetchOne(_ db: DatabaseConnection, id: Int64) async throws -> VideoRecord? {
        try decode(try await db.raw("SELECT * FROM videos WHERE id = \(bind: id)").all()).first
    }

    /// A timelapse's videos, newest first.
    public static func list(_ db: DatabaseConnection, timelapseId: Int64) async throws -> [VideoRecord] {
        try decode(try await db.raw("SELECT * FROM videos WHERE timelapse_id = \(bind: timelapseId) ORDER BY id DESC").all())
    }

    /// Deletes a video's row; returns it as it was, for its files to be removed.
    public static func delete(_ db: DatabaseConnection, id: Int64) async throws -> VideoRecord? {
        try decode(try await db.raw("DELETE FROM videos WHERE id = \(bind: id) RETURNING *").all()).first
    }

    /// Bytes of completed videos (of one timelapse, or all).
    public static func totalBytes(_ db: DatabaseConnection, timelapseId: Int64? = nil) async throws -> Int64 {
        let filter: SQLQueryString = timelapseId.map { "AND timelapse_id = \(bind: $0)" } ?? ""
        let row = try await db.raw("""
            SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS bytes FROM videos WHERE status = 'completed' \(filter)
            """).first()
        return try row?.decode(column: "bytes", as: Int64.self) ?? 0
    }

    /// The most recent completed renders, newest first (render estimates learn from them).
    public static func recentCompleted(_ db: DatabaseConnection, limit: Int) async throws -> [VideoRecord] {
        try decode(try await db.raw("""
            SELECT * FROM videos WHERE status = 'completed' AND render_ms IS NOT NULL ORDER BY id DESC LIMIT \(bind: limit)
            """).all())
    }

    /// Counts of videos by status.
    public static func counts(_ db: DatabaseConnection) async throws -> [VideoStatus: Int] {
        var counts: [VideoStatus: Int] = [:]
        for row in try await db.raw("SELECT status, COUNT(*) AS n FROM videos GROUP BY status").all() {
            counts[try row.decode(column: "status", as: VideoStatus.self)] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }
}

// MARK: the render queue

extension VideoStore {
    /// Hands up to `limit` queued renders to `workerId`, oldest first. A render waits while another of the same
    /// timelapse and name renders, and only the oldest queued one of a name is taken, so renders of one name
    /// run one at a time and in order.
    public static func claim(
        _ db: DatabaseConnection, workerId: String, limit: Int, leaseUntil: Date, at now: Date
    ) async throws -> [VideoRecord] {
        guard limit > 0 else { return [] }
        return try decode(try await db.raw("""
            UPDATE videos SET status = 'rendering', locked_by = \(bind: workerId), lease_until = \(bind: leaseUntil),
                started_at = \(bind: now), attempts = attempts + 1, frames_done = 0, render_fps = NULL, eta_seconds = NULL
            WHERE id IN (
                SELECT v.id FROM videos v
                WHERE v.status = 'queued'
                  AND NOT EXISTS (SELECT 1 FROM videos r WHERE r.timelapse_id = v.timelapse_id AND r.name = v.name
                                  AND r.status = 'rendering')
                  AND v.id = (SELECT MIN(q.id) FROM videos q WHERE q.timelapse_id = v.timelapse_id AND q.name = v.name
                              AND q.status = 'queued')
                ORDER BY v.id LIMIT \(bind: limit) \(SkipLocked())
            )
            RETURNING *
            """).all()).sorted { $0.id < $1.id }
    }

    /// Extends the lease of a render this worker holds and records its progress. Returns whether a cancel was
    /// asked for, or nil when the worker no longer holds the render (its lease was rescued, or the row deleted).
    public static func heartbeat(
        _ db: DatabaseConnection, id: Int64, workerId: String, leaseUntil: Date,
        framesTotal: Int, framesDone: Int, renderFps: Double?, etaSeconds: Double?
    ) async throws -> Bool? {
        let row = try await db.raw("""
            UPDATE videos SET lease_until = \(bind: leaseUntil), frames_total = \(bind: framesTotal),
                frames_done = \(bind: framesDone), render_fps = \(bind: renderFps), eta_seconds = \(bind: etaSeconds)
            WHERE id = \(bind: id) AND locked_by = \(bind: workerId) AND status = 'rendering'
            RETURNING cancel_requested
            """).first()
        return try row?.decode(column: "cancel_requested", as: Bool.self)
    }

    /// Records a finished render, only if `workerId` still holds it (fencing); false when it does not.
    public static func complete(
        _ db: DatabaseConnection, id: Int64, workerId: String, _ video: RenderedVideo, at now: Date
    ) async throws -> Bool {
        try await db.raw("""
            UPDATE videos SET status = 'completed', completed_at = \(bind: now), locked_by = NULL, lease_until = NULL,
                poster_path = \(bind: video.posterPath), frame_count = \(bind: video.frameCount),
                first_frame_at = \(bind: video.firstFrameAt), last_frame_at = \(bind: video.lastFrameAt), fps = \(bind: video.fps),
                duration_seconds = \(bind: video.durationSeconds), size_bytes = \(bind: video.sizeBytes), codec = \(bind: video.codec),
                width = \(bind: video.width), height = \(bind: video.height), render_ms = \(bind: video.renderMs),
                frames_total = \(bind: video.frameCount), frames_done = \(bind: video.frameCount), eta_seconds = 0, error_message = NULL
            WHERE id = \(bind: id) AND locked_by = \(bind: workerId) AND status = 'rendering'
            RETURNING id
            """).first() != nil
    }

    /// Ends a render this worker holds as `failed` (with the reason) or `cancelled`; false when it no longer holds it.
    public static func finish(
        _ db: DatabaseConnection, id: Int64, workerId: String, status: VideoStatus, error: String?, at now: Date
    ) async throws -> Bool {
        precondition(status == .failed || status == .cancelled)
        return try await db.raw("""
            UPDATE videos SET status = \(bind: status.rawValue), error_message = \(bind: error), completed_at = \(bind: now),
                locked_by = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND locked_by = \(bind: workerId) AND status = 'rendering'
            RETURNING id
            """).first() != nil
    }

    /// Asks for a render to stop: a queued one is cancelled here and now; a rendering one is flagged, and its worker
    /// stops it at once (same process) or at its next heartbeat. Returns the row after the change; nil when the
    /// video is unknown or already final.
    public static func requestCancel(_ db: DatabaseConnection, id: Int64, at now: Date) async throws -> VideoRecord? {
        try decode(try await db.raw("""
            UPDATE videos SET cancel_requested = TRUE,
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                completed_at = CASE WHEN status = 'queued' THEN \(bind: now) ELSE completed_at END
            WHERE id = \(bind: id) AND status IN ('queued', 'rendering')
            RETURNING *
            """).all()).first
    }

    /// Gives renders back to the queue without burning an attempt (graceful shutdown): they start over.
    public static func release(_ db: DatabaseConnection, workerId: String, ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await db.raw("""
            UPDATE videos SET status = 'queued', locked_by = NULL, lease_until = NULL, attempts = attempts - 1,
                frames_done = 0, render_fps = NULL, eta_seconds = NULL
            WHERE locked_by = \(bind: workerId) AND status = 'rendering' AND id IN (\(binds: ids))
            """).run()
    }

    /// Renders whose lease ran out (their worker died): back to the queue to start over, `cancelled` when a cancel
    /// was asked for, `failed` after `maxAttempts`. Returns the rows as they were, so their temp files can go.
    public static func rescueExpired(_ db: DatabaseConnection, maxAttempts: Int, at now: Date) async throws -> [VideoRecord] {
        let expired = try decode(try await db.raw("""
            SELECT * FROM videos WHERE status = 'rendering' AND lease_until < \(bind: now) \(SkipLocked())
            """).all())
        guard !expired.isEmpty else { return [] }
        try await db.raw("""
            UPDATE videos SET
                status = CASE WHEN cancel_requested THEN 'cancelled' WHEN attempts >= \(bind: maxAttempts) THEN 'failed' ELSE 'queued' END,
                error_message = CASE WHEN NOT cancel_requested AND attempts >= \(bind: maxAttempts)
                                     THEN 'the render was lost repeatedly (its worker stopped)' ELSE error_message END,
                completed_at = CASE WHEN cancel_requested OR attempts >= \(bind: maxAttempts) THEN \(bind: now) ELSE NULL END,
                locked_by = NULL, lease_until = NULL, frames_done = 0, render_fps = NULL, eta_seconds = NULL
            WHERE id IN (\(binds: expired.map(\.id))) AND status = 'rendering'
            """).run()
        return expired
    }
}

// MARK: frames and automation

extension VideoStore {
    /// A timelapse's frames captured in `[from, to)` (either open), in capture order.
    public static func frames(_ db: DatabaseConnection, timelapseId: Int64, from: Date?, to: Date?) async throws -> [RenderFrameRecord] {
        var conditions: [SQLQueryString] = ["timelapse_id = \(bind: timelapseId)"]
        if let from { conditions.append("captured_at >= \(bind: from)") }
        if let to { conditions.append("captured_at < \(bind: to)") }
        return try await db.raw("""
            SELECT id, file_path, captured_at, day_number, width, height, mean_luma FROM images
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY captured_at, id
            """).all(decoding: RenderFrameRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Sets (or clears, with nil) a timelapse's render automation; false when the timelapse does not exist.
    public static func setAutomation(_ db: DatabaseConnection, timelapseId: Int64, json: String?) async throws -> Bool {
        try await db.raw("""
            UPDATE timelapses SET video_automation = \(bind: json) WHERE id = \(bind: timelapseId) RETURNING id
            """).first() != nil
    }

    /// A timelapse's render automation (JSON), nil when it has none.
    public static func automation(_ db: DatabaseConnection, timelapseId: Int64) async throws -> String? {
        let row = try await db.raw("SELECT video_automation FROM timelapses WHERE id = \(bind: timelapseId)").first()
        return try row?.decode(column: "video_automation", as: String?.self) ?? nil
    }

    /// Every timelapse with render automation.
    public static func automated(_ db: DatabaseConnection) async throws -> [AutomatedTimelapse] {
        let rows = try await db.raw("SELECT * FROM timelapses WHERE video_automation IS NOT NULL ORDER BY id").all()
        return try rows.map {
            AutomatedTimelapse(timelapse: try $0.decode(model: TimelapseRecord.self, keyDecodingStrategy: .convertFromSnakeCase),
                               automation: try $0.decode(column: "video_automation", as: String.self))
        }
    }

    /// Records that a trigger fired; false when it already had (in any process, before any restart).
    public static func recordFire(_ db: DatabaseConnection, timelapseId: Int64, key: String, at now: Date) async throws -> Bool {
        try await db.raw("""
            INSERT INTO video_automation_fires (timelapse_id, trigger_key, fired_at) VALUES (\(bind: timelapseId), \(bind: key), \(bind: now))
            ON CONFLICT DO NOTHING RETURNING trigger_key
            """).first() != nil
    }

    /// Notes which video a fired trigger queued.
    public static func linkFire(_ db: DatabaseConnection, timelapseId: Int64, key: String, videoId: Int64) async throws {
        try await db.raw("""
            UPDATE video_automation_fires SET video_id = \(bind: videoId) WHERE timelapse_id = \(bind: timelapseId) AND trigger_key = \(bind: key)
            """).run()
    }

    /// The trigger keys that fired for a timelapse.
    public static func fires(_ db: DatabaseConnection, timelapseId: Int64) async throws -> [String] {
        try await db.raw("SELECT trigger_key FROM video_automation_fires WHERE timelapse_id = \(bind: timelapseId) ORDER BY fired_at")
            .all().map { try $0.decode(column: "trigger_key", as: String.self) }
    }
}
