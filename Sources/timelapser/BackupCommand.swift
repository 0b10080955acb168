import ArgumentParser
import Backup
import Database
import DataDirectory
import Foundation
import Logging
import TimelapserCore

/// `timelapser backup --to DIR` (while the server runs) and `timelapser backup --verify DIR`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the database, frames and videos while the server runs (--to), or check a backup (--verify).")

    @OptionGroup var storage: StorageOptions
    @Option(help: "A new (or empty) folder to write the backup into.") var to: String?
    @Option(help: "Check the backup in this folder against its manifest; exit 1 on any difference.") var verify: String?
    @Flag(name: .customLong("with-variants"), help: "Also copy thumbnails and smalls (they can be regenerated).") var withVariants = false

    func validate() throws {
        guard (to == nil) != (verify == nil) else { throw ValidationError("give exactly one of --to DIR or --verify DIR") }
    }

    func run() async throws {
        if let verify {
            let problems = try BackupVerifier.problems(in: verify)
            for problem in problems { print(problem) }
            guard problems.isEmpty else { throw ExitCode(1) }
            print("backup in \(verify) matches its manifest")
            return
        }
        let configuration = try storage.resolved()
        var logger = Logger(label: "timelapser-backup")
        logger.logLevel = .warning
        let database = try await TimelapserDatabase.openMigrated(configuration.database, logger: logger)
        let url = storage.databaseURL ?? ProcessInfo.processInfo.environment["TIMELAPSER_DATABASE_URL"]
        let maker = BackupMaker(database: database, databaseURL: url, layout: configuration.layout, version: BuildInfo.version, logger: logger)
        do {
            let manifest = try await database.withRunningClient { try await maker.make(to: to!, withVariants: withVariants) }
            await database.close()
            let copied = manifest.entries.filter { !$0.missing }
            let frames = copied.filter { $0.file.kind == .frame }.count
            let bytes = copied.reduce(Int64(0)) { $0 + $1.size }
            print("backed up \(frames) frames, \(copied.count) files (\(bytes) bytes) and the database into \(to!)")
            let missing = manifest.entries.filter(\.missing).count
            if missing > 0 { print("\(missing) files were deleted while the backup ran; a restore drops their rows") }
        } catch {
            await database.close()
            throw error
        }
    }
}

/// `timelapser restore --from DIR --data-dir NEW [--database-url …]`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a backup into an empty data directory (and an empty database).")

    @OptionGroup var storage: StorageOptions
    @Option(help: "The backup folder (made by timelapser backup --to).") var from: String

    func run() async throws {
        guard let dataDir = storage.dataDir ?? ProcessInfo.processInfo.environment["TIMELAPSER_DATA_DIR"] else {
            throw ValidationError("give the new data directory: --data-dir NEW")
        }
        var logger = Logger(label: "timelapser-restore")
        logger.logLevel = .warning
        let url = storage.databaseURL ?? ProcessInfo.processInfo.environment["TIMELAPSER_DATABASE_URL"]
        let report = try await BackupRestorer(logger: logger).restore(from: from, to: DataLayout(root: dataDir), databaseURL: url)
        print("restored \(report.frames) frames (\(report.files) files) into \(dataDir)"
              + (report.droppedRows > 0 ? "; dropped \(report.droppedRows) rows of frames deleted while the backup ran" : ""))
        print("thumbnails and smalls left out of the backup are remade by: timelapser thumbnails regenerate (or the dashboard)")
    }
}
