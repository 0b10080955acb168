import Foundation
import SQLKit
import TimelapserCore

/// What kind of file a backup entry is.
public enum BackupFileKind: String, Codable, Sendable {
    case frame, thumbnail, small, video, poster
}

/// One file a backup copies, as the database snapshot it is made of names it.
public struct BackupFile: Codable, Sendable, Equatable {
    public var kind: BackupFileKind
    /// Relative to the data directory.
    public var path: String
    /// The image the file belongs to (frames and variants).
    public var imageId: Int64?
    public var capturedAt: Date?

    public init(kind: BackupFileKind, path: String, imageId: Int64?, capturedAt: Date?) {
        self.kind = kind
        self.path = path
        self.imageId = imageId
        self.capturedAt = capturedAt
    }
}

/// The SQL of backups: a consistent copy of a SQLite database, and the files a database's rows name.
public enum BackupStore {
    /// A consistent copy of the whole SQLite database into a new file at `path` (`VACUUM INTO`), read in one
    /// transaction: a capture that commits meanwhile is in it completely or not at all.
    public static func copySQLite(_ db: DatabaseConnection, to path: String) async throws {
        try await db.raw("VACUUM INTO \(bind: path)").run()
    }

    /// Starts a repeatable-read snapshot and exports it (PostgreSQL), for `pg_dump --snapshot` to dump exactly what
    /// this transaction reads. Call first in a transaction.
    public static func exportSnapshot(_ db: DatabaseConnection) async throws -> String {
        try await db.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").run()
        guard let row = try await db.raw("SELECT pg_export_snapshot() AS snapshot").first() else {
            throw BackupSnapshotUnavailable()
        }
        return try row.decode(column: "snapshot", as: String.self)
    }

    /// Every frame (and with `variants`, every thumbnail and small, with their WebP companions) and every completed video
    /// with its poster.
    public static func files(_ db: DatabaseConnection, variants: Bool) async throws -> [BackupFile] {
        var files: [BackupFile] = []
        for row in try await db.raw("""
            SELECT id, file_path, thumbnail_path, small_path, thumbnail_webp_size, small_webp_size, captured_at FROM images ORDER BY id
            """).all() {
            let id = try row.decode(column: "id", as: Int64.self)
            let captured = try row.decode(column: "captured_at", as: Date.self)
            files.append(BackupFile(kind: .frame, path: try row.decode(column: "file_path", as: String.self), imageId: id, capturedAt: captured))
            guard variants else { continue }
            for (kind, column) in [(BackupFileKind.thumbnail, "thumbnail"), (.small, "small")] {
                guard let path = try row.decode(column: column + "_path", as: String?.self) else { continue }
                files.append(BackupFile(kind: kind, path: path, imageId: id, capturedAt: captured))
                if try row.decode(column: column + "_webp_size", as: Int64?.self) != nil {
                    files.append(BackupFile(kind: kind, path: VariantFormat.webpPath(forVariantPath: path), imageId: id, capturedAt: captured))
                }
            }
        }
        for row in try await db.raw("SELECT file_path, poster_path FROM videos WHERE status = 'completed' ORDER BY id").all() {
            files.append(BackupFile(kind: .video, path: try row.decode(column: "file_path", as: String.self), imageId: nil, capturedAt: nil))
            if let poster = try row.decode(column: "poster_path", as: String?.self) {
                files.append(BackupFile(kind: .poster, path: poster, imageId: nil, capturedAt: nil))
            }
        }
        return files
    }
}

struct BackupSnapshotUnavailable: Error, CustomStringConvertible {
    var description: String { "PostgreSQL did not export a snapshot" }
}
