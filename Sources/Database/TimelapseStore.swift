import Foundation
import TimelapserCore
import SQLKit

/// CRUD for `timelapses` and their maintained counts.
public enum TimelapseStore {
    /// Inserts a running timelapse; throws ``DatabaseError/conflict(_:)`` when the camera already has one.
    public static func insertRunning(
        _ db: DatabaseConnection, cameraId: Int64, name: String, startedAt: Date, at now: Date
    ) async throws -> TimelapseRecord {
        try await db.raw("""
            INSERT INTO timelapses (camera_id, name, status, started_at, created_at)
            VALUES (\(bind: cameraId), \(bind: name), 'running', \(bind: startedAt), \(bind: now))
            RETURNING *
            """).first(decoding: TimelapseRecord.self, keyDecodingStrategy: .convertFromSnakeCase)!
    }

    public static func fetchOne(_ db: DatabaseConnection, id: Int64) async throws -> TimelapseRecord? {
        try await db.raw("SELECT * FROM timelapses WHERE id = \(bind: id)")
            .first(decoding: TimelapseRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    public static func fetchAll(_ db: DatabaseConnection, cameraId: Int64? = nil) async throws -> [TimelapseRecord] {
        if let cameraId {
            return try await db.raw("SELECT * FROM timelapses WHERE camera_id = \(bind: cameraId) ORDER BY id")
                .all(decoding: TimelapseRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return try await db.raw("SELECT * FROM timelapses ORDER BY id")
            .all(decoding: TimelapseRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    public static func fetchRunning(_ db: DatabaseConnection, cameraId: Int64) async throws -> TimelapseRecord? {
        try await db.raw("SELECT * FROM timelapses WHERE camera_id = \(bind: cameraId) AND status = 'running'")
            .first(decoding: TimelapseRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Marks a running timelapse completed; returns nil when it was not running.
    public static func complete(_ db: DatabaseConnection, id: Int64, at now: Date) async throws -> TimelapseRecord? {
        try await db.raw("""
            UPDATE timelapses SET status = 'completed', completed_at = \(bind: now)
            WHERE id = \(bind: id) AND status = 'running' RETURNING *
            """).first(decoding: TimelapseRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Serialises this transaction with every other write to the timelapse's rows (ingest, deletion, job
    /// completion), in one lock order: the timelapse's lock first. PostgreSQL only; SQLite has one writer.
    public static func lockForWrite(_ db: DatabaseConnection, timelapseId: Int64) async throws {
        try await TimelapseLock.acquire(db, timelapseId: timelapseId)
    }

    /// Deletes the timelapse (its images, jobs and videos by cascade), after taking its ingest lock so that a frame
    /// being stored finishes first instead of deadlocking with the cascade (see ``CameraStore/delete(_:id:)``).
    public static func delete(_ db: DatabaseConnection, id: Int64) async throws -> Bool {
        try await TimelapseLock.acquire(db, timelapseId: id)
        return try await db.raw("DELETE FROM timelapses WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    /// Rewrites counts and byte totals of the given timelapses (all when nil) from the image rows: the truth
    /// after bulk edits, never an increment.
    public static func recomputeCounts(_ db: DatabaseConnection, ids: [Int64]? = nil) async throws {
        let filter: String
        switch ids {
        case nil: filter = ""
        case let list? where list.isEmpty: filter = "WHERE 1 = 0"
        case let list?: filter = "WHERE id IN (" + list.map { String($0) }.joined(separator: ",") + ")"
        }
        try await db.raw("""
            UPDATE timelapses SET
                image_count = (SELECT COUNT(*) FROM images i WHERE i.timelapse_id = timelapses.id),
                frame_bytes = (SELECT COALESCE(SUM(file_size), 0) FROM images i WHERE i.timelapse_id = timelapses.id),
                thumbnail_count = (SELECT COUNT(*) FROM images i WHERE i.timelapse_id = timelapses.id AND i.thumbnail_path IS NOT NULL),
                small_count = (SELECT COUNT(*) FROM images i WHERE i.timelapse_id = timelapses.id AND i.small_path IS NOT NULL),
                thumbnail_bytes = (SELECT COALESCE(SUM(thumbnail_size), 0) FROM images i WHERE i.timelapse_id = timelapses.id AND i.thumbnail_path IS NOT NULL),
                small_bytes = (SELECT COALESCE(SUM(small_size), 0) FROM images i WHERE i.timelapse_id = timelapses.id AND i.small_path IS NOT NULL)
            \(unsafeRaw: filter)
            """).run()
    }
}
