import Foundation
import SQLKit
import TimelapserCore

/// The columns of each variant kind, in `images` and in `timelapses`.
extension VariantKind {
    var pathColumn: String { self == .thumbnail ? "thumbnail_path" : "small_path" }
    var sizeColumn: String { self == .thumbnail ? "thumbnail_size" : "small_size" }
    var webpSizeColumn: String { self == .thumbnail ? "thumbnail_webp_size" : "small_webp_size" }
    var generationColumn: String { self == .thumbnail ? "thumbnail_generation" : "small_generation" }
    var countColumn: String { self == .thumbnail ? "thumbnail_count" : "small_count" }
    var bytesColumn: String { self == .thumbnail ? "thumbnail_bytes" : "small_bytes" }
}

/// A variant file as the row records it.
public struct StoredVariant: Sendable, Equatable {
    public var path: String
    public var size: Int64
    /// The size of the WebP companion written beside it, nil when none: every write of a variant column sets it.
    public var webpSize: Int64?
    public init(path: String, size: Int64, webpSize: Int64? = nil) {
        self.path = path
        self.size = size
        self.webpSize = webpSize
    }
}

/// CRUD for `images`, keeping the owning timelapse's counts in the same transaction.
public enum ImageStore {
    /// Inserts a frame and bumps its timelapse's image count and bytes; ``DatabaseError/conflict(_:)`` on a
    /// duplicate file name.
    public static func insert(
        _ db: DatabaseConnection, timelapseId: Int64, cameraId: Int64, filePath: String, capturedAt: Date,
        dayNumber: Int, fileSize: Int64, width: Int, height: Int, at now: Date
    ) async throws -> ImageRecord {
        let image = try await db.raw("""
            INSERT INTO images (timelapse_id, camera_id, file_path, captured_at, day_number, file_size, width, height, created_at)
            VALUES (\(bind: timelapseId), \(bind: cameraId), \(bind: filePath), \(bind: capturedAt), \(bind: dayNumber),
                    \(bind: fileSize), \(bind: width), \(bind: height), \(bind: now))
            RETURNING *
            """).first(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)!
        try await db.raw("""
            UPDATE timelapses SET image_count = image_count + 1, frame_bytes = frame_bytes + \(bind: fileSize)
            WHERE id = \(bind: timelapseId)
            """).run()
        return image
    }

    public static func fetchOne(_ db: DatabaseConnection, id: Int64) async throws -> ImageRecord? {
        try await db.raw("SELECT * FROM images WHERE id = \(bind: id)")
            .first(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Rows for many ids in one query (order not guaranteed).
    public static func fetchMany(_ db: DatabaseConnection, ids: [Int64]) async throws -> [ImageRecord] {
        guard !ids.isEmpty else { return [] }
        let list = ids.map { String($0) }.joined(separator: ",")
        return try await db.raw("SELECT * FROM images WHERE id IN (\(unsafeRaw: list))")
            .all(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// A page of a timelapse's frames in capture order.
    public static func fetchPage(_ db: DatabaseConnection, timelapseId: Int64, limit: Int, offset: Int) async throws -> [ImageRecord] {
        try await db.raw("""
            SELECT * FROM images WHERE timelapse_id = \(bind: timelapseId)
            ORDER BY captured_at, id LIMIT \(bind: limit) OFFSET \(bind: offset)
            """).all(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Every frame of a timelapse as (id, capture time), in capture order: the dashboard's scrubber and grid.
    public static func moments(_ db: DatabaseConnection, timelapseId: Int64) async throws -> [FrameMoment] {
        try await db.raw("""
            SELECT id, captured_at FROM images WHERE timelapse_id = \(bind: timelapseId) ORDER BY captured_at, id
            """).all(decoding: FrameMoment.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// All frames of a timelapse (for deletion and maintenance), or of every timelapse when nil.
    public static func fetchAll(_ db: DatabaseConnection, timelapseId: Int64?) async throws -> [ImageRecord] {
        if let timelapseId {
            return try await db.raw("SELECT * FROM images WHERE timelapse_id = \(bind: timelapseId) ORDER BY id")
                .all(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return try await db.raw("SELECT * FROM images ORDER BY id")
            .all(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The newest frame of a camera.
    public static func fetchLatest(_ db: DatabaseConnection, cameraId: Int64) async throws -> ImageRecord? {
        try await db.raw("""
            SELECT * FROM images WHERE camera_id = \(bind: cameraId) ORDER BY captured_at DESC, id DESC LIMIT 1
            """).first(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The frames of a timelapse, other than `excluding`, that still have a small.
    public static func fetchWithSmalls(_ db: DatabaseConnection, timelapseId: Int64, excluding: Int64?) async throws -> [ImageRecord] {
        try await db.raw("""
            SELECT * FROM images WHERE timelapse_id = \(bind: timelapseId) AND small_path IS NOT NULL
            AND id <> \(bind: excluding ?? -1)
            """).all(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Deletes the row and takes it out of its timelapse's counts; returns the deleted row.
    public static func delete(_ db: DatabaseConnection, id: Int64) async throws -> ImageRecord? {
        try await lockTimelapses(db, ofImages: [id])
        guard let image = try await db.raw("DELETE FROM images WHERE id = \(bind: id) RETURNING *")
            .first(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        else { return nil }
        try await db.raw("""
            UPDATE timelapses SET image_count = image_count - 1, frame_bytes = frame_bytes - \(bind: image.fileSize),
                thumbnail_count = thumbnail_count - \(bind: image.thumbnailPath == nil ? 0 : 1),
                small_count = small_count - \(bind: image.smallPath == nil ? 0 : 1),
                thumbnail_bytes = thumbnail_bytes - \(bind: image.thumbnailPath == nil ? 0 : image.thumbnailSize ?? 0),
                small_bytes = small_bytes - \(bind: image.smallPath == nil ? 0 : image.smallSize ?? 0)
            WHERE id = \(bind: image.timelapseId)
            """).run()
        return image
    }

    /// Takes the timelapse locks of these images (in id order) before their rows: a thumbnail job completing takes its
    /// timelapse's lock first, then the job and image rows, and the cascade of a DELETE locks those rows first; the
    /// same order everywhere keeps PostgreSQL from finding a deadlock between the two.
    static func lockTimelapses(_ db: DatabaseConnection, ofImages ids: [Int64]) async throws {
        guard db.dialect.name == "postgresql" else { return }  // SQLite: one writer at a time already
        let timelapses = try await db.raw("""
            SELECT DISTINCT timelapse_id FROM images WHERE id IN (\(binds: ids)) ORDER BY timelapse_id
            """).all().map { try $0.decode(column: "timelapse_id", as: Int64.self) }
        for timelapse in timelapses { try await TimelapseLock.acquire(db, timelapseId: timelapse) }
    }

    /// Deletes many rows in one statement and takes them out of their timelapses' counts (one update per
    /// timelapse); returns the deleted rows. Ids already gone are skipped.
    public static func delete(_ db: DatabaseConnection, ids: [Int64]) async throws -> [ImageRecord] {
        guard !ids.isEmpty else { return [] }
        try await lockTimelapses(db, ofImages: ids)
        let deleted = try await db.raw("DELETE FROM images WHERE id IN (\(binds: ids)) RETURNING *")
            .all(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        for (timelapseId, rows) in Dictionary(grouping: deleted, by: \.timelapseId) {
            let thumbnails = rows.filter { $0.thumbnailPath != nil }, smalls = rows.filter { $0.smallPath != nil }
            try await db.raw("""
                UPDATE timelapses SET image_count = image_count - \(bind: rows.count),
                    frame_bytes = frame_bytes - \(bind: rows.reduce(Int64(0)) { $0 + $1.fileSize }),
                    thumbnail_count = thumbnail_count - \(bind: thumbnails.count),
                    small_count = small_count - \(bind: smalls.count),
                    thumbnail_bytes = thumbnail_bytes - \(bind: thumbnails.reduce(Int64(0)) { $0 + ($1.thumbnailSize ?? 0) }),
                    small_bytes = small_bytes - \(bind: smalls.reduce(Int64(0)) { $0 + ($1.smallSize ?? 0) })
                WHERE id = \(bind: timelapseId)
                """).run()
        }
        return deleted
    }

    /// Points a variant column at a new file (bumping its generation) or clears it, and adjusts the
    /// timelapse's count and bytes by what actually changed. Returns the updated row.
    @discardableResult
    public static func applyVariant(
        _ db: DatabaseConnection, imageId: Int64, kind: VariantKind, to new: StoredVariant?
    ) async throws -> ImageRecord? {
        try await applyVariants(db, imageId: imageId, [(kind, new)])
    }

    /// Several variant changes of one image in one read and two writes (the worker's commit of a job):
    /// each column set (generation bumped) or cleared, the timelapse's counts and bytes adjusted by the net change;
    /// `meanLuma` and `thumbhash`, measured from the new thumbnail, are stored with them (video deflicker plans with
    /// the first, the dashboard paints the second while the thumbnail loads).
    @discardableResult
    public static func applyVariants(
        _ db: DatabaseConnection, imageId: Int64, _ changes: [(kind: VariantKind, new: StoredVariant?)], meanLuma: Double? = nil,
        thumbhash: String? = nil
    ) async throws -> ImageRecord? {
        guard let before = try await fetchOne(db, id: imageId) else { return nil }
        var assignments: [SQLQueryString] = []
        var timelapseAssignments: [SQLQueryString] = []
        for (kind, new) in changes {
            let oldPath = kind == .thumbnail ? before.thumbnailPath : before.smallPath
            if oldPath == nil && new == nil { continue }
            let oldSize = oldPath == nil ? 0 : ((kind == .thumbnail ? before.thumbnailSize : before.smallSize) ?? 0)
            let countDelta = (new == nil ? 0 : 1) - (oldPath == nil ? 0 : 1)
            let bytesDelta = (new?.size ?? 0) - oldSize
            assignments.append("""
                \(unsafeRaw: kind.pathColumn) = \(bind: new?.path), \(unsafeRaw: kind.sizeColumn) = \(bind: new?.size),
                \(unsafeRaw: kind.webpSizeColumn) = \(bind: new?.webpSize)
                """)
            if new != nil {
                assignments.append("\(unsafeRaw: kind.generationColumn) = \(unsafeRaw: kind.generationColumn) + 1")
            }
            if countDelta != 0 || bytesDelta != 0 {
                timelapseAssignments.append("""
                    \(unsafeRaw: kind.countColumn) = \(unsafeRaw: kind.countColumn) + \(bind: countDelta),
                    \(unsafeRaw: kind.bytesColumn) = \(unsafeRaw: kind.bytesColumn) + \(bind: bytesDelta)
                    """)
            }
        }
        if let meanLuma { assignments.append("mean_luma = \(bind: meanLuma)") }
        if let thumbhash { assignments.append("thumbhash = \(bind: thumbhash)") }
        guard !assignments.isEmpty else { return before }
        let updated = try await db.raw("""
            UPDATE images SET \(assignments.joined(separator: ", ")) WHERE id = \(bind: imageId) RETURNING *
            """).first(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        if !timelapseAssignments.isEmpty {
            try await db.raw("""
                UPDATE timelapses SET \(timelapseAssignments.joined(separator: ", ")) WHERE id = \(bind: before.timelapseId)
                """).run()
        }
        return updated
    }
}

extension ImageStore {
    /// Clears one variant column of every image of a timelapse (all images when nil) in the caller's transaction and
    /// rewrites the affected counts; returns the paths that were cleared, for the caller to unlink after commit.
    public static func clearVariants(_ db: DatabaseConnection, kind: VariantKind, timelapseId: Int64?) async throws -> [String] {
        let filter: SQLQueryString = timelapseId.map { "AND timelapse_id = \(bind: $0)" } ?? ""
        // RETURNING yields the row after the update (NULL here), and SQLite's RETURNING cannot see an UPDATE…FROM
        // table: read the paths first, in the same transaction (SQLite's single writer keeps the pair atomic; on
        // PostgreSQL a variant written in between is left as an orphan for cleanup, never a dangling row).
        let rows = try await db.raw("""
            SELECT timelapse_id, \(unsafeRaw: kind.pathColumn) AS path FROM images
            WHERE \(unsafeRaw: kind.pathColumn) IS NOT NULL \(filter)
            """).all()
        try await db.raw("""
            UPDATE images SET \(unsafeRaw: kind.pathColumn) = NULL, \(unsafeRaw: kind.sizeColumn) = NULL,
                \(unsafeRaw: kind.webpSizeColumn) = NULL
            WHERE \(unsafeRaw: kind.pathColumn) IS NOT NULL \(filter)
            """).run()
        let paths = try rows.map { try $0.decode(column: "path", as: String.self) }
        let timelapses = Set(try rows.map { try $0.decode(column: "timelapse_id", as: Int64.self) })
        if !timelapses.isEmpty { try await TimelapseStore.recomputeCounts(db, ids: Array(timelapses)) }
        return paths
    }
}

extension ImageStore {
    /// The newest frame of a timelapse.
    /// Whether the timelapse already has a frame captured within the same second as `capturedAt`.
    public static func hasFrame(_ db: DatabaseConnection, timelapseId: Int64, capturedInSecondOf capturedAt: Date) async throws -> Bool {
        let second = capturedAt.timeIntervalSince1970.rounded(.down)
        let from = Date(timeIntervalSince1970: second), to = Date(timeIntervalSince1970: second + 1)
        return try await db.raw("""
            SELECT 1 AS found FROM images WHERE timelapse_id = \(bind: timelapseId)
            AND captured_at >= \(bind: from) AND captured_at < \(bind: to) LIMIT 1
            """).first() != nil
    }

    public static func fetchLatest(_ db: DatabaseConnection, timelapseId: Int64) async throws -> ImageRecord? {
        try await db.raw("""
            SELECT * FROM images WHERE timelapse_id = \(bind: timelapseId) ORDER BY captured_at DESC, id DESC LIMIT 1
            """).first(decoding: ImageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }
}
