import Foundation
import TimelapserCore
import SQLKit

/// An image row as verification sees it: where its variants should be, and which generation it observed
/// (so a clear never undoes a variant a worker wrote after the check).
public struct VariantRow: Sendable, Equatable {
    public var id: Int64
    public var timelapseId: Int64
    public var thumbnailPath: String?
    public var smallPath: String?
    public var thumbnailGeneration: Int
    public var smallGeneration: Int
    /// Whether the row records a WebP companion beside each variant.
    public var thumbnailWebP = false
    public var smallWebP = false

    public func path(_ kind: VariantKind) -> String? { kind == .thumbnail ? thumbnailPath : smallPath }
    public func generation(_ kind: VariantKind) -> Int { kind == .thumbnail ? thumbnailGeneration : smallGeneration }
    public func hasWebP(_ kind: VariantKind) -> Bool { kind == .thumbnail ? thumbnailWebP : smallWebP }
}

/// A row whose variant was found invalid, with the generation the check saw.
public struct StaleVariant: Sendable, Equatable {
    public var imageId: Int64
    public var generation: Int
    public init(imageId: Int64, generation: Int) {
        self.imageId = imageId
        self.generation = generation
    }
}

/// The maintained totals of one timelapse or of all of them (sums of the timelapse aggregate columns).
public struct VariantTotals: Sendable, Equatable {
    public var timelapses = 0
    public var images = 0
    public var thumbnails = 0
    public var smalls = 0
    public var frameBytes: Int64 = 0
    public var thumbnailBytes: Int64 = 0
    public var smallBytes: Int64 = 0
    /// Bytes of completed videos.
    public var videoBytes: Int64 = 0
    /// WebP companions recorded, and their bytes (a scan of `images`: they have no aggregate columns).
    public var webpThumbnails = 0
    public var webpSmalls = 0
    public var webpBytes: Int64 = 0
    public init() {}
}

/// Job counts for statistics.
public struct JobSummary: Sendable, Equatable {
    public var pending = 0
    public var processing = 0
    public var completedSince = 0
    public var failedSince = 0
    public var lastCompletedAt: Date?
    public init() {}
}

/// An image a variant file name points at (by its stored frame path), with what the row says now.
public struct VariantOwner: Sendable, Equatable {
    public var imageId: Int64
    public var thumbnailPath: String?
    public var smallPath: String?
    /// The image has a pending or processing job: a worker may be about to write this very file.
    public var hasActiveJob: Bool
    /// Whether the row records a WebP companion beside each variant.
    public var thumbnailWebP = false
    public var smallWebP = false

    public func path(_ kind: VariantKind) -> String? { kind == .thumbnail ? thumbnailPath : smallPath }
    public func hasWebP(_ kind: VariantKind) -> Bool { kind == .thumbnail ? thumbnailWebP : smallWebP }
}

/// SQL of thumbnail maintenance: verification pages, guarded clears, aggregates, orphan lookups and the
/// `maintenance_state` key/value rows.
public enum MaintenanceStore {
    /// Up to `limit` rows after `afterId` in id order (one timelapse's, or all), for streaming verification.
    public static func variantPage(_ db: DatabaseConnection, timelapseId: Int64?, afterId: Int64, limit: Int) async throws -> [VariantRow] {
        let filter: SQLQueryString = timelapseId.map { "AND timelapse_id = \(bind: $0)" } ?? ""
        return try await db.raw("""
            SELECT id, timelapse_id, thumbnail_path, small_path, thumbnail_generation, small_generation,
                thumbnail_webp_size, small_webp_size FROM images
            WHERE id > \(bind: afterId) \(filter) ORDER BY id LIMIT \(bind: limit)
            """).all().map { row in
            VariantRow(
                id: try row.decode(column: "id", as: Int64.self), timelapseId: try row.decode(column: "timelapse_id", as: Int64.self),
                thumbnailPath: try row.decode(column: "thumbnail_path", as: String?.self),
                smallPath: try row.decode(column: "small_path", as: String?.self),
                thumbnailGeneration: try row.decode(column: "thumbnail_generation", as: Int.self),
                smallGeneration: try row.decode(column: "small_generation", as: Int.self),
                thumbnailWebP: try row.decode(column: "thumbnail_webp_size", as: Int64?.self) != nil,
                smallWebP: try row.decode(column: "small_webp_size", as: Int64?.self) != nil)
        }
    }

    /// Clears a variant column of the given rows, but only where the row still has the generation the check saw
    /// (a worker that regenerated meanwhile wins). Counts are not touched: the caller recomputes them.
    /// Returns how many rows were cleared.
    public static func clearStale(_ db: DatabaseConnection, kind: VariantKind, _ stale: [StaleVariant]) async throws -> Int {
        var cleared = 0
        for chunk in stride(from: 0, to: stale.count, by: 500).map({ Array(stale[$0..<min($0 + 500, stale.count)]) }) {
            // Integers only, so the literal list is safe to write inline.
            let values = chunk.map { "(\($0.imageId), \($0.generation))" }.joined(separator: ", ")
            let ids = chunk.map { String($0.imageId) }.joined(separator: ",")
            // The plain id list lets the primary key find the rows (a row-value IN alone scans the table).
            cleared += try await db.raw("""
                UPDATE images SET \(unsafeRaw: kind.pathColumn) = NULL, \(unsafeRaw: kind.sizeColumn) = NULL,
                    \(unsafeRaw: kind.webpSizeColumn) = NULL
                WHERE id IN (\(unsafeRaw: ids)) AND \(unsafeRaw: kind.pathColumn) IS NOT NULL
                  AND (id, \(unsafeRaw: kind.generationColumn)) IN (VALUES \(unsafeRaw: values))
                RETURNING id
                """).all().count
        }
        return cleared
    }

    /// Forgets the WebP companions of the given rows (their file is missing or invalid; the JPEG stays), guarded by the
    /// generation seen like ``clearStale(_:kind:_:)``. Returns how many rows changed.
    public static func clearStaleWebP(_ db: DatabaseConnection, kind: VariantKind, _ stale: [StaleVariant]) async throws -> Int {
        var cleared = 0
        for variant in stale {
            cleared += try await db.raw("""
                UPDATE images SET \(unsafeRaw: kind.webpSizeColumn) = NULL
                WHERE id = \(bind: variant.imageId) AND \(unsafeRaw: kind.generationColumn) = \(bind: variant.generation)
                  AND \(unsafeRaw: kind.webpSizeColumn) IS NOT NULL
                RETURNING id
                """).all().count
        }
        return cleared
    }

    /// Records found WebP companions (repair) on rows whose column holds exactly that companion's JPEG, that record no
    /// companion yet and have no job that may be rewriting them. Returns the ids.
    public static func linkWebP(_ db: DatabaseConnection, kind: VariantKind, _ links: [(imageId: Int64, jpegPath: String, size: Int64)]) async throws -> [Int64] {
        var linked: [Int64] = []
        for link in links {
            linked += try await db.raw("""
                UPDATE images SET \(unsafeRaw: kind.webpSizeColumn) = \(bind: link.size)
                WHERE id = \(bind: link.imageId) AND \(unsafeRaw: kind.pathColumn) = \(bind: link.jpegPath)
                  AND \(unsafeRaw: kind.webpSizeColumn) IS NULL
                  AND NOT EXISTS (SELECT 1 FROM thumbnail_generation_jobs j WHERE j.image_id = images.id AND j.status IN ('pending', 'processing'))
                RETURNING id
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        return linked
    }

    /// WebP companions recorded (one timelapse, or all): how many of each kind and their bytes. A scan of `images`.
    public static func webpTotals(_ db: DatabaseConnection, timelapseId: Int64? = nil) async throws -> (thumbnails: Int, smalls: Int, bytes: Int64) {
        let filter: SQLQueryString = timelapseId.map { "WHERE timelapse_id = \(bind: $0)" } ?? ""
        guard let row = try await db.raw("""
            SELECT COUNT(thumbnail_webp_size) AS thumbnails, COUNT(small_webp_size) AS smalls,
                CAST(COALESCE(SUM(thumbnail_webp_size), 0) + COALESCE(SUM(small_webp_size), 0) AS BIGINT) AS bytes
            FROM images \(filter)
            """).first() else { return (0, 0, 0) }
        return (try row.decode(column: "thumbnails", as: Int.self), try row.decode(column: "smalls", as: Int.self),
                try row.decode(column: "bytes", as: Int64.self))
    }

    /// Points empty variant columns at found files, set-based (one statement per 500 links): only rows whose column
    /// is still NULL are touched, their generation bumps, and the owning timelapses' counts and bytes grow by what
    /// was linked. Returns the ids of the images linked.
    public static func linkVariants(_ db: DatabaseConnection, kind: VariantKind, _ links: [(imageId: Int64, variant: StoredVariant)]) async throws -> [Int64] {
        var linked: [Int64] = []
        for start in stride(from: 0, to: links.count, by: 500) {
            let chunk = links[start..<min(start + 500, links.count)]
            let values = chunk.map { "(\(bind: $0.imageId), \(bind: $0.variant.path), \(bind: $0.variant.size))" as SQLQueryString }
                .joined(separator: ", ")
            // VALUES columns are column1, column2, … on both engines.
            let rows = try await db.raw("""
                UPDATE images SET \(unsafeRaw: kind.pathColumn) = v.column2, \(unsafeRaw: kind.sizeColumn) = v.column3,
                    \(unsafeRaw: kind.generationColumn) = \(unsafeRaw: kind.generationColumn) + 1
                FROM (VALUES \(values)) AS v
                WHERE images.id = v.column1 AND images.\(unsafeRaw: kind.pathColumn) IS NULL
                RETURNING images.id, images.timelapse_id, images.\(unsafeRaw: kind.sizeColumn) AS size
                """).all()
            var perTimelapse: [Int64: (count: Int, bytes: Int64)] = [:]
            for row in rows {
                linked.append(try row.decode(column: "id", as: Int64.self))
                let timelapse = try row.decode(column: "timelapse_id", as: Int64.self)
                let size = try row.decode(column: "size", as: Int64.self)
                perTimelapse[timelapse, default: (0, 0)].count += 1
                perTimelapse[timelapse, default: (0, 0)].bytes += size
            }
            for (timelapse, delta) in perTimelapse {
                try await db.raw("""
                    UPDATE timelapses SET \(unsafeRaw: kind.countColumn) = \(unsafeRaw: kind.countColumn) + \(bind: delta.count),
                        \(unsafeRaw: kind.bytesColumn) = \(unsafeRaw: kind.bytesColumn) + \(bind: delta.bytes)
                    WHERE id = \(bind: timelapse)
                    """).run()
            }
        }
        return linked
    }

    /// Sums of the timelapse aggregate columns (one timelapse, or all): no scan of `images`.
    public static func totals(_ db: DatabaseConnection, timelapseId: Int64? = nil) async throws -> VariantTotals {
        let filter: SQLQueryString = timelapseId.map { "WHERE id = \(bind: $0)" } ?? ""
        guard let row = try await db.raw("""
            SELECT COUNT(*) AS timelapses,
                CAST(COALESCE(SUM(image_count), 0) AS BIGINT) AS images,
                CAST(COALESCE(SUM(thumbnail_count), 0) AS BIGINT) AS thumbnails,
                CAST(COALESCE(SUM(small_count), 0) AS BIGINT) AS smalls,
                CAST(COALESCE(SUM(frame_bytes), 0) AS BIGINT) AS frame_bytes,
                CAST(COALESCE(SUM(thumbnail_bytes), 0) AS BIGINT) AS thumbnail_bytes,
                CAST(COALESCE(SUM(small_bytes), 0) AS BIGINT) AS small_bytes
            FROM timelapses \(filter)
            """).first() else { return VariantTotals() }
        var totals = VariantTotals()
        totals.timelapses = try row.decode(column: "timelapses", as: Int.self)
        totals.images = try row.decode(column: "images", as: Int.self)
        totals.thumbnails = try row.decode(column: "thumbnails", as: Int.self)
        totals.smalls = try row.decode(column: "smalls", as: Int.self)
        totals.frameBytes = try row.decode(column: "frame_bytes", as: Int64.self)
        totals.thumbnailBytes = try row.decode(column: "thumbnail_bytes", as: Int64.self)
        totals.smallBytes = try row.decode(column: "small_bytes", as: Int64.self)
        totals.videoBytes = try await VideoStore.totalBytes(db, timelapseId: timelapseId)
        (totals.webpThumbnails, totals.webpSmalls, totals.webpBytes) = try await webpTotals(db, timelapseId: timelapseId)
        return totals
    }

    /// Pending/processing jobs and jobs finished since `since`, each count served by an index
    /// (`idx_jobs_claim`, `idx_jobs_lease`, `idx_jobs_status_completed`).
    public static func jobSummary(_ db: DatabaseConnection, since: Date) async throws -> JobSummary {
        let row = try await db.raw("""
            SELECT
                (SELECT COUNT(*) FROM thumbnail_generation_jobs WHERE status = 'pending') AS pending,
                (SELECT COUNT(*) FROM thumbnail_generation_jobs WHERE status = 'processing') AS processing,
                (SELECT COUNT(*) FROM thumbnail_generation_jobs WHERE status = 'completed' AND completed_at >= \(bind: since)) AS completed,
                (SELECT COUNT(*) FROM thumbnail_generation_jobs WHERE status = 'failed' AND completed_at >= \(bind: since)) AS failed,
                (SELECT MAX(completed_at) FROM thumbnail_generation_jobs WHERE status = 'completed') AS last_completed
            """).first()
        var summary = JobSummary()
        guard let row else { return summary }
        summary.pending = try row.decode(column: "pending", as: Int.self)
        summary.processing = try row.decode(column: "processing", as: Int.self)
        summary.completedSince = try row.decode(column: "completed", as: Int.self)
        summary.failedSince = try row.decode(column: "failed", as: Int.self)
        summary.lastCompletedAt = try row.decode(column: "last_completed", as: Date?.self)
        return summary
    }

    /// Active jobs of one timelapse's images and when its last job completed.
    public static func timelapseJobSummary(_ db: DatabaseConnection, timelapseId: Int64) async throws -> JobSummary {
        let row = try await db.raw("""
            SELECT
                (SELECT COUNT(*) FROM thumbnail_generation_jobs j JOIN images i ON i.id = j.image_id
                 WHERE i.timelapse_id = \(bind: timelapseId) AND j.status = 'pending') AS pending,
                (SELECT COUNT(*) FROM thumbnail_generation_jobs j JOIN images i ON i.id = j.image_id
                 WHERE i.timelapse_id = \(bind: timelapseId) AND j.status = 'processing') AS processing,
                (SELECT MAX(j.completed_at) FROM thumbnail_generation_jobs j JOIN images i ON i.id = j.image_id
                 WHERE i.timelapse_id = \(bind: timelapseId) AND j.status = 'completed') AS last_completed
            """).first()
        var summary = JobSummary()
        guard let row else { return summary }
        summary.pending = try row.decode(column: "pending", as: Int.self)
        summary.processing = try row.decode(column: "processing", as: Int.self)
        summary.lastCompletedAt = try row.decode(column: "last_completed", as: Date?.self)
        return summary
    }

    /// Mean processing time of the last `sample` completed jobs (nil when none): the basis of estimates.
    public static func recentMeanProcessingMs(_ db: DatabaseConnection, sample: Int = 200) async throws -> Double? {
        let row = try await db.raw("""
            SELECT CAST(AVG(processing_time_ms) AS DOUBLE PRECISION) AS mean FROM (
                SELECT processing_time_ms FROM thumbnail_generation_jobs
                WHERE status = 'completed' AND processing_time_ms IS NOT NULL
                ORDER BY completed_at DESC LIMIT \(bind: sample)) recent
            """).first()
        return try row?.decode(column: "mean", as: Double?.self)
    }

    /// Every timelapse id with its camera (for walking the data directory).
    public static func timelapseOwners(_ db: DatabaseConnection) async throws -> [Int64: Int64] {
        var owners: [Int64: Int64] = [:]
        for row in try await db.raw("SELECT id, camera_id FROM timelapses").all() {
            owners[try row.decode(column: "id", as: Int64.self)] = try row.decode(column: "camera_id", as: Int64.self)
        }
        return owners
    }

    /// A page of one timelapse's rows as the orphan scan needs them (frame path and variant paths), in id order
    /// (`idx_images_timelapse_id`).
    public static func variantReferences(
        _ db: DatabaseConnection, timelapseId: Int64, afterId: Int64, limit: Int
    ) async throws -> [(id: Int64, framePath: String, thumbnailPath: String?, smallPath: String?, thumbnailWebP: Bool, smallWebP: Bool)] {
        try await db.raw("""
            SELECT id, file_path, thumbnail_path, small_path, thumbnail_webp_size, small_webp_size FROM images
            WHERE timelapse_id = \(bind: timelapseId) AND id > \(bind: afterId) ORDER BY id LIMIT \(bind: limit)
            """).all().map { row in
            (try row.decode(column: "id", as: Int64.self), try row.decode(column: "file_path", as: String.self),
             try row.decode(column: "thumbnail_path", as: String?.self), try row.decode(column: "small_path", as: String?.self),
             try row.decode(column: "thumbnail_webp_size", as: Int64?.self) != nil, try row.decode(column: "small_webp_size", as: Int64?.self) != nil)
        }
    }

    /// The image stored under `framePath` in a timelapse, as it is right now (unique index on
    /// `(timelapse_id, file_path)`, then the one-active-job index): the last check before a file is unlinked.
    public static func variantOwner(_ db: DatabaseConnection, timelapseId: Int64, framePath: String) async throws -> VariantOwner? {
        guard let row = try await db.raw("""
            SELECT i.id, i.thumbnail_path, i.small_path, i.thumbnail_webp_size, i.small_webp_size,
                EXISTS (SELECT 1 FROM thumbnail_generation_jobs j WHERE j.image_id = i.id AND j.status IN ('pending', 'processing')) AS active
            FROM images i WHERE i.timelapse_id = \(bind: timelapseId) AND i.file_path = \(bind: framePath)
            """).first() else { return nil }
        return VariantOwner(
            imageId: try row.decode(column: "id", as: Int64.self),
            thumbnailPath: try row.decode(column: "thumbnail_path", as: String?.self),
            smallPath: try row.decode(column: "small_path", as: String?.self),
            hasActiveJob: try row.decode(column: "active", as: Bool.self),
            thumbnailWebP: try row.decode(column: "thumbnail_webp_size", as: Int64?.self) != nil,
            smallWebP: try row.decode(column: "small_webp_size", as: Int64?.self) != nil)
    }

    /// How many images a selection covers.
    public static func countImages(_ db: DatabaseConnection, _ selection: ImageSelection) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM images i WHERE (\(selection.condition))").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Active (pending or processing) jobs of a timelapse's images.
    public static func activeJobs(_ db: DatabaseConnection, timelapseId: Int64) async throws -> Int {
        try await db.raw("""
            SELECT COUNT(*) AS n FROM thumbnail_generation_jobs j JOIN images i ON i.id = j.image_id
            WHERE i.timelapse_id = \(bind: timelapseId) AND j.status IN ('pending', 'processing')
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// A `maintenance_state` value and when it was written.
    public static func state(_ db: DatabaseConnection, key: String) async throws -> (value: String, updatedAt: Date)? {
        guard let row = try await db.raw("SELECT value, updated_at FROM maintenance_state WHERE key = \(bind: key)").first() else {
            return nil
        }
        return (try row.decode(column: "value", as: String.self), try row.decode(column: "updated_at", as: Date.self))
    }

    /// Stores `value` unless the key has one (another process may have won a race), and returns the value stored
    /// now: the winner's, never overwritten.
    public static func setStateIfAbsent(_ db: DatabaseConnection, key: String, value: String, at now: Date) async throws -> String {
        try await db.raw("""
            INSERT INTO maintenance_state (key, value, updated_at) VALUES (\(bind: key), \(bind: value), \(bind: now))
            ON CONFLICT (key) DO NOTHING
            """).run()
        return try await state(db, key: key)?.value ?? value
    }

    public static func setState(_ db: DatabaseConnection, key: String, value: String, at now: Date) async throws {
        try await db.raw("""
            INSERT INTO maintenance_state (key, value, updated_at) VALUES (\(bind: key), \(bind: value), \(bind: now))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """).run()
    }
}
