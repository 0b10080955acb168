import Database
import DataDirectory
import Foundation
import Logging
import TimelapserCore

/// Restores a backup into an empty data directory (and, for PostgreSQL, an empty database): the files copied, the
/// database restored and brought up to date (a backup of an older release is migrated), rows of frames that were
/// missing when the backup was made dropped, every file checked against the manifest.
public struct BackupRestorer: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// What a restore did.
    public struct Report: Sendable {
        public var frames: Int
        public var files: Int
        public var droppedRows: Int
    }

    /// `databaseURL` nil: SQLite in the new data directory.
    public func restore(from folder: String, to layout: DataLayout, databaseURL: String?) async throws -> Report {
        let manifest = try BackupManifest.read(from: folder)
        let problems = try BackupVerifier.problems(in: folder)
        guard problems.isEmpty else { throw BackupError("the backup does not match its manifest: \(problems.prefix(5).joined(separator: "; "))") }
        try BackupMaker.prepareEmpty(layout.root)
        let location = try databaseURL.map { try DatabaseLocation(url: $0) } ?? .sqlite(path: layout.root + "/timelapser.sqlite")
        guard location.engine == manifest.engine else {
            throw BackupError("this is a \(manifest.engine.rawValue) backup: restore it into a \(manifest.engine.rawValue) database")
        }
        var files = 0
        for entry in manifest.entries where !entry.missing {
            let source = folder + "/" + BackupManifest.dataFolder + "/" + entry.file.path
            guard let target = layout.absolutePath(entry.file.path) else { throw BackupError("invalid path in the manifest: \(entry.file.path)") }
            _ = try FileCopy.linkOrCopy(source, to: target, preferLink: false)
            files += 1
        }
        _ = try FileCopy.linkOrCopy(folder + "/" + BackupManifest.dataFolder + "/" + DataDirectoryMarker.fileName,
                                    to: DataDirectoryMarker.path(layout), preferLink: false)
        switch location {
        case .sqlite(let path):
            guard !FileManager.default.fileExists(atPath: path) else { throw BackupError("\(path) exists: restore into a new database") }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: folder + "/" + manifest.databaseFile, toPath: path)
        case .postgres:
            let probe = try await TimelapserDatabase.open(location, logger: logger)
            let status = try await probe.withRunningClient { try await SchemaMigrator.status(probe) }
            await probe.close()
            guard status.steps.allSatisfy({ $0.appliedAt == nil }), status.unknown.isEmpty else {
                throw BackupError("the PostgreSQL database is not empty: restore into a new database")
            }
            try await PostgresTools.restore(url: databaseURL!, from: folder + "/" + manifest.databaseFile)
        }
        // An older release's backup is brought up to date here, as a start would.
        let database = try await TimelapserDatabase.openMigrated(location, logger: logger)
        let missing = manifest.entries.filter { $0.missing && $0.file.kind == .frame }.compactMap(\.file.imageId)
        do {
            try await database.withRunningClient {
                if !missing.isEmpty { _ = try await database.transaction { try await ImageStore.delete($0, ids: missing) } }
            }
            await database.close()
        } catch {
            await database.close()
            throw error
        }
        return Report(frames: manifest.entries.filter { $0.file.kind == .frame && !$0.missing }.count, files: files,
                      droppedRows: missing.count)
    }
}
