import Database
import DataDirectory
import Foundation
import Logging
import TimelapserCore

/// Makes a consistent backup while the server runs and captures.
///
/// The database is snapshotted first (SQLite `VACUUM INTO`; PostgreSQL `pg_dump` of an exported repeatable-read
/// snapshot), and the files to copy are read from that same snapshot: a frame captured during the backup is in it
/// completely (row and file) or not at all. Frames and videos never change once written, so each is hard-linked
/// where the file system allows (else copied) after the snapshot, and its size and SHA-256 recorded in
/// `manifest.json`. A file the snapshot names but that was deleted meanwhile is recorded as missing; a restore drops
/// its row. Thumbnails and smalls only with `withVariants` (they can be regenerated).
public struct BackupMaker: Sendable {
    let database: TimelapserDatabase
    /// The database URL as given (PostgreSQL: what `pg_dump` connects to).
    let databaseURL: String?
    let layout: DataLayout
    let version: String
    let logger: Logger

    public init(database: TimelapserDatabase, databaseURL: String?, layout: DataLayout, version: String, logger: Logger) {
        self.database = database
        self.databaseURL = databaseURL
        self.layout = layout
        self.version = version
        self.logger = logger
    }

    /// Writes the backup into `folder` (which must not exist yet, or be empty).
    public func make(to folder: String, withVariants: Bool) async throws -> BackupManifest {
        try Self.prepareEmpty(folder)
        let files: [BackupFile]
        let databaseFile: String
        switch database.engine {
        case .sqlite:
            databaseFile = "timelapser.sqlite"
            let snapshotPath = folder + "/" + databaseFile
            try await database.read { try await BackupStore.copySQLite($0, to: snapshotPath) }
            let snapshot = try await TimelapserDatabase.open(.sqlite(path: snapshotPath), readers: 1, logger: logger)
            do {
                files = try await snapshot.withRunningClient { try await snapshot.read { try await BackupStore.files($0, variants: withVariants) } }
                await snapshot.close()
            } catch {
                await snapshot.close()
                throw error
            }
        case .postgresql:
            guard let databaseURL else { throw BackupError("a PostgreSQL backup needs --database-url") }
            databaseFile = "timelapser.pgdump"
            let dumpPath = folder + "/" + databaseFile
            files = try await database.transaction { db in
                let snapshot = try await BackupStore.exportSnapshot(db)
                try await PostgresTools.dump(url: databaseURL, snapshot: snapshot, to: dumpPath)
                return try await BackupStore.files(db, variants: withVariants)
            }
        }
        var entries: [BackupManifest.Entry] = []
        entries.reserveCapacity(files.count)
        for file in files {
            guard let source = layout.absolutePath(file.path) else { throw BackupError("the database names an invalid path: \(file.path)") }
            let target = folder + "/" + BackupManifest.dataFolder + "/" + file.path
            guard try FileCopy.linkOrCopy(source, to: target, preferLink: true) else {
                entries.append(.init(file: file, size: 0, sha256: "", missing: true))
                continue
            }
            let (size, sha256) = try FileCopy.digest(target)
            entries.append(.init(file: file, size: size, sha256: sha256, missing: false))
        }
        let marker = layout.root + "/" + DataDirectoryMarker.fileName
        _ = try FileCopy.linkOrCopy(marker, to: folder + "/" + BackupManifest.dataFolder + "/" + DataDirectoryMarker.fileName, preferLink: false)
        let manifest = BackupManifest(createdAt: Date(), timelapserVersion: version, engine: database.engine, databaseFile: databaseFile,
                                      withVariants: withVariants, entries: entries)
        try BackupManifest.encoder().encode(manifest).write(to: URL(fileURLWithPath: folder + "/" + BackupManifest.fileName))
        return manifest
    }

    /// `folder` made, or checked empty.
    static func prepareEmpty(_ folder: String) throws {
        if FileManager.default.fileExists(atPath: folder) {
            guard (try FileManager.default.contentsOfDirectory(atPath: folder)).isEmpty else {
                throw BackupError("\(folder) is not empty: back up into a new folder")
            }
        } else {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }
}
