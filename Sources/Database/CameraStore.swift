import Foundation
import TimelapserCore
import SQLKit

/// CRUD for `cameras`. Every read joins the camera's running timelapse id.
public enum CameraStore {
    static let selectColumns: SQLQueryString = """
        SELECT c.*, t.id AS active_timelapse_id FROM cameras c
        LEFT JOIN timelapses t ON t.camera_id = c.id AND t.status = 'running'
        """

    public static func insert(
        _ db: DatabaseConnection, name: String, rtspUrl: String?, captureIntervalSeconds: Int,
        generateThumbnails: Bool, at now: Date
    ) async throws -> CameraRecord {
        let row = try await db.raw("""
            INSERT INTO cameras (name, rtsp_url, capture_interval_seconds, generate_thumbnails, created_at)
            VALUES (\(bind: name), \(bind: rtspUrl), \(bind: captureIntervalSeconds), \(bind: generateThumbnails), \(bind: now))
            RETURNING id
            """).first()
        let id = try row!.decode(column: "id", as: Int64.self)
        return try await fetchOne(db, id: id)!
    }

    public static func fetchAll(_ db: DatabaseConnection) async throws -> [CameraRecord] {
        try await db.raw("\(selectColumns) ORDER BY c.id").all(decoding: CameraRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    public static func fetchOne(_ db: DatabaseConnection, id: Int64) async throws -> CameraRecord? {
        try await db.raw("\(selectColumns) WHERE c.id = \(bind: id)").first(decoding: CameraRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Writes the editable fields of `camera` back.
    public static func update(_ db: DatabaseConnection, _ camera: CameraRecord) async throws {
        try await db.raw("""
            UPDATE cameras SET name = \(bind: camera.name), rtsp_url = \(bind: camera.rtspUrl),
                capture_interval_seconds = \(bind: camera.captureIntervalSeconds),
                generate_thumbnails = \(bind: camera.generateThumbnails), capture_window = \(bind: camera.captureWindow),
                timezone = \(bind: camera.timezone), rotate = \(bind: camera.rotate), crop = \(bind: camera.crop),
                retention = \(bind: camera.retention)
            WHERE id = \(bind: camera.id)
            """).run()
    }

    /// Records the outcome of a capture attempt (camera health).
    public static func recordCapture(_ db: DatabaseConnection, id: Int64, success: Bool, error: String?, at now: Date) async throws {
        if success {
            try await db.raw("""
                UPDATE cameras SET consecutive_failures = 0, last_error = NULL, last_success_at = \(bind: now),
                    last_capture_at = \(bind: now) WHERE id = \(bind: id)
                """).run()
        } else {
            try await db.raw("""
                UPDATE cameras SET consecutive_failures = consecutive_failures + 1, last_error = \(bind: error),
                    last_capture_at = \(bind: now) WHERE id = \(bind: id)
                """).run()
        }
    }

    /// Deletes the camera; timelapses, images and jobs go with it by cascade. The camera's timelapse locks are taken
    /// first, in id order, as an ingest takes its timelapse's lock before its rows: otherwise (PostgreSQL) an ingest
    /// holding its timelapse row and waiting for the camera row, and this delete holding the camera row and
    /// cascading to the timelapse, deadlock.
    public static func delete(_ db: DatabaseConnection, id: Int64) async throws -> Bool {
        let timelapses = try await db.raw("SELECT id FROM timelapses WHERE camera_id = \(bind: id) ORDER BY id").all()
        for row in timelapses {
            try await TimelapseLock.acquire(db, timelapseId: try row.decode(column: "id", as: Int64.self))
        }
        return try await db.raw("DELETE FROM cameras WHERE id = \(bind: id) RETURNING id").first() != nil
    }
}
