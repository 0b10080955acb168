import Foundation
import SQLKit
import TimelapserCore

/// One timelapse's storage from the maintained aggregates: frames, variants (the `timelapses` counts) and its
/// completed videos.
public struct TimelapseStorageRow: Sendable, Equatable {
    public var timelapseId: Int64
    public var cameraId: Int64
    public var name: String
    public var frames: Int
    public var frameBytes: Int64
    public var thumbnails: Int
    public var thumbnailBytes: Int64
    public var smalls: Int
    public var smallBytes: Int64
    public var videos: Int
    public var videoBytes: Int64
}

/// A frame as retention weighs it: when it was captured and what deleting it frees (frame and variants).
public struct RetentionFrameRow: Sendable, Equatable {
    public var id: Int64
    public var timelapseId: Int64
    public var capturedAt: Date
    public var bytes: Int64

    public init(id: Int64, timelapseId: Int64, capturedAt: Date, bytes: Int64) {
        self.id = id
        self.timelapseId = timelapseId
        self.capturedAt = capturedAt
        self.bytes = bytes
    }
}

/// The SQL of storage planning: usage from the aggregates, recent growth, the frames and videos retention weighs,
/// and the record of retention runs. The rules are the StoragePlanning module's.
public enum StorageStore {
    /// Every timelapse's storage, in camera then timelapse order: one pass over `timelapses` and `videos`, never
    /// over `images`.
    public static func timelapseUsage(_ db: DatabaseConnection) async throws -> [TimelapseStorageRow] {
        try await db.raw("""
            SELECT t.id, t.camera_id, t.name, t.image_count, t.frame_bytes, t.thumbnail_count, t.thumbnail_bytes,
                t.small_count, t.small_bytes, COALESCE(v.files, 0) AS video_files, COALESCE(v.bytes, 0) AS video_bytes
            FROM timelapses t
            LEFT JOIN (SELECT timelapse_id, COUNT(*) AS files, CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS bytes
                       FROM videos WHERE status = 'completed' GROUP BY timelapse_id) v ON v.timelapse_id = t.id
            ORDER BY t.camera_id, t.id
            """).all().map { row in
            TimelapseStorageRow(
                timelapseId: try row.decode(column: "id", as: Int64.self), cameraId: try row.decode(column: "camera_id", as: Int64.self),
                name: try row.decode(column: "name", as: String.self),
                frames: try row.decode(column: "image_count", as: Int.self), frameBytes: try row.decode(column: "frame_bytes", as: Int64.self),
                thumbnails: try row.decode(column: "thumbnail_count", as: Int.self),
                thumbnailBytes: try row.decode(column: "thumbnail_bytes", as: Int64.self),
                smalls: try row.decode(column: "small_count", as: Int.self), smallBytes: try row.decode(column: "small_bytes", as: Int64.self),
                videos: try row.decode(column: "video_files", as: Int.self), videoBytes: try row.decode(column: "video_bytes", as: Int64.self))
        }
    }

    /// Bytes (frames with their variants) a camera captured since `since`, through the camera/time index.
    public static func capturedBytes(_ db: DatabaseConnection, cameraId: Int64, since: Date) async throws -> Int64 {
        let row = try await db.raw("""
            SELECT CAST(COALESCE(SUM(file_size + COALESCE(thumbnail_size, 0) + COALESCE(small_size, 0)), 0) AS BIGINT) AS bytes
            FROM images WHERE camera_id = \(bind: cameraId) AND captured_at >= \(bind: since)
            """).first()
        return try row?.decode(column: "bytes", as: Int64.self) ?? 0
    }

    /// Bytes of videos that finished rendering since `since`.
    public static func renderedBytes(_ db: DatabaseConnection, since: Date) async throws -> Int64 {
        let row = try await db.raw("""
            SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS bytes FROM videos
            WHERE status = 'completed' AND completed_at >= \(bind: since)
            """).first()
        return try row?.decode(column: "bytes", as: Int64.self) ?? 0
    }

    /// When the oldest timelapse started (how much history a growth rate can rest on).
    public static func firstStart(_ db: DatabaseConnection) async throws -> Date? {
        try await db.raw("SELECT MIN(started_at) AS first FROM timelapses").first()?.decode(column: "first", as: Date?.self)
    }

    /// A camera's frames captured before `before`, oldest first, with what deleting each frees.
    public static func framesBefore(_ db: DatabaseConnection, cameraId: Int64, before: Date) async throws -> [RetentionFrameRow] {
        try await db.raw("""
            SELECT id, timelapse_id, captured_at,
                file_size + COALESCE(thumbnail_size, 0) + COALESCE(small_size, 0) AS bytes
            FROM images WHERE camera_id = \(bind: cameraId) AND captured_at < \(bind: before)
            ORDER BY captured_at, id
            """).all().map { row in
            RetentionFrameRow(id: try row.decode(column: "id", as: Int64.self), timelapseId: try row.decode(column: "timelapse_id", as: Int64.self),
                              capturedAt: try row.decode(column: "captured_at", as: Date.self), bytes: try row.decode(column: "bytes", as: Int64.self))
        }
    }

    /// Timelapses with a render queued or running: their frames are in use.
    public static func timelapsesBeingRendered(_ db: DatabaseConnection) async throws -> Set<Int64> {
        Set(try await db.raw("SELECT DISTINCT timelapse_id FROM videos WHERE status IN ('queued', 'rendering')").all().map {
            try $0.decode(column: "timelapse_id", as: Int64.self)
        })
    }

    /// A camera's completed videos that finished before `before`: (id, bytes).
    public static func videosBefore(_ db: DatabaseConnection, cameraId: Int64, before: Date) async throws -> [(id: Int64, bytes: Int64)] {
        try await db.raw("""
            SELECT v.id, COALESCE(v.size_bytes, 0) AS bytes FROM videos v JOIN timelapses t ON t.id = v.timelapse_id
            WHERE t.camera_id = \(bind: cameraId) AND v.status = 'completed' AND v.completed_at < \(bind: before)
            ORDER BY v.id
            """).all().map { (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "bytes", as: Int64.self)) }
    }

    /// Records what a retention run freed.
    public static func recordRun(_ db: DatabaseConnection, framesDeleted: Int, bytesFreed: Int64, videosDeleted: Int, at now: Date) async throws {
        try await db.raw("""
            INSERT INTO retention_runs (ran_at, frames_deleted, bytes_freed, videos_deleted)
            VALUES (\(bind: now), \(bind: framesDeleted), \(bind: bytesFreed), \(bind: videosDeleted))
            """).run()
    }

    /// Bytes retention freed since `since`.
    public static func freedBytes(_ db: DatabaseConnection, since: Date) async throws -> Int64 {
        let row = try await db.raw("""
            SELECT CAST(COALESCE(SUM(bytes_freed), 0) AS BIGINT) AS bytes FROM retention_runs WHERE ran_at >= \(bind: since)
            """).first()
        return try row?.decode(column: "bytes", as: Int64.self) ?? 0
    }
}

extension StorageStore {
    /// When retention last ran (nil: never).
    public static func lastRun(_ db: DatabaseConnection) async throws -> Date? {
        try await db.raw("SELECT MAX(ran_at) AS last FROM retention_runs").first()?.decode(column: "last", as: Date?.self)
    }
}
