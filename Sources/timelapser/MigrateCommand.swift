import ArgumentParser
import Database
import Foundation
import Logging
import TimelapserCore

/// `timelapser migrate [--status]`: where the database's schema stands, and bringing it up to date explicitly
/// (`serve`, `worker` and every other command also migrate at start).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "List applied and pending schema migrations (--status), or apply the pending ones.")

    @OptionGroup var storage: StorageOptions
    @Flag(help: "Only list applied and pending migrations; change nothing.") var status = false

    func run() async throws {
        let configuration = try storage.resolved()
        var logger = Logger(label: "timelapser-migrate")
        logger.logLevel = .warning
        if case .sqlite(let path) = configuration.database, status, !FileManager.default.fileExists(atPath: path) {
            // --status never creates a database: one that does not exist has every migration pending.
            Self.print(MigrationStatus(steps: SchemaMigrator.knownIDs.map { .init(id: $0, appliedAt: nil) }, unknown: []))
            return
        }
        let database = try await TimelapserDatabase.open(configuration.database, logger: logger)
        do {
            try await database.withRunningClient {
                if !status { try await SchemaMigrator.migrate(database) }
                let current = try await SchemaMigrator.status(database)
                Self.print(current)
                if !current.unknown.isEmpty {
                    throw NewerDatabaseError(unknown: current.unknown, latestKnown: SchemaMigrator.knownIDs.last ?? "none")
                }
            }
            await database.close()
        } catch {
            await database.close()
            throw error
        }
    }

    static func print(_ status: MigrationStatus) {
        for step in status.steps {
            Swift.print("\(step.id)  \(step.appliedAt.map { "applied \(JSONDate.string($0))" } ?? "pending")")
        }
        for id in status.unknown {
            Swift.print("\(id)  applied by a newer Timelapser (unknown to this one)")
        }
        Swift.print("\(status.steps.count - status.pending.count) applied, \(status.pending.count) pending"
                    + (status.unknown.isEmpty ? "" : ", \(status.unknown.count) unknown"))
    }
}
