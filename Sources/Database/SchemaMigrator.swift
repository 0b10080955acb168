import Foundation
import SQLKit
import TimelapserCore

/// The database was written by a newer Timelapser: it holds migrations this binary does not know. Nothing is
/// applied or changed; the message names them.
public struct NewerDatabaseError: Error, Sendable, CustomStringConvertible {
    /// Applied migrations this binary does not know, in order.
    public let unknown: [String]
    /// The last migration this binary knows.
    public let latestKnown: String

    public init(unknown: [String], latestKnown: String) {
        self.unknown = unknown
        self.latestKnown = latestKnown
    }

    public var description: String {
        "this database was written by a newer Timelapser (it has migration \(unknown.joined(separator: ", ")); this binary knows "
            + "migrations up to \(latestKnown)): upgrade Timelapser, or restore a backup made by this version. Nothing was changed."
    }
}

/// Where a database stands against this binary's migrations.
public struct MigrationStatus: Sendable {
    public struct Step: Sendable {
        public let id: String
        /// nil: pending.
        public let appliedAt: Date?

        public init(id: String, appliedAt: Date?) {
            self.id = id
            self.appliedAt = appliedAt
        }
    }
    /// Every migration this binary knows, in order, applied or pending.
    public let steps: [Step]
    /// Applied migrations this binary does not know (a newer Timelapser's).
    public let unknown: [String]

    public init(steps: [Step], unknown: [String]) {
        self.steps = steps
        self.unknown = unknown
    }

    public var pending: [String] { steps.filter { $0.appliedAt == nil }.map(\.id) }
}

/// Applies the ordered list of ``Migration``s that the `schema_migrations` table has not seen yet.
public enum SchemaMigrator {
    /// Every migration this binary knows, in order.
    public static var knownIDs: [String] { Schema.migrations.map(\.id) }

    /// Brings the schema up to date; safe to run from several processes at once on PostgreSQL (an advisory lock
    /// serialises them) and on SQLite (the writer connection does). A database holding a migration this binary does
    /// not know is refused (``NewerDatabaseError``) before anything is applied. `through`: stop after that
    /// migration (tests make an older release's schema with it).
    public static func migrate(_ database: TimelapserDatabase, through last: String? = nil) async throws {
        try await database.transaction { db in
            if database.engine == .postgresql {
                try await db.raw("SELECT pg_advisory_xact_lock(727274)").run()
            }
            try await db.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at \(PortableType.timestamp) NOT NULL)
                """).run()
            let applied = Set(try await db.raw("SELECT id FROM schema_migrations").all().map { try $0.decode(column: "id", as: String.self) })
            let unknown = applied.subtracting(knownIDs).sorted()
            guard unknown.isEmpty else { throw NewerDatabaseError(unknown: unknown, latestKnown: knownIDs.last ?? "none") }
            for migration in Schema.migrations where !applied.contains(migration.id) {
                for statement in migration.statements {
                    try await db.raw(statement).run()
                }
                try await db.raw("INSERT INTO schema_migrations (id, applied_at) VALUES (\(bind: migration.id), \(bind: Date()))").run()
                if migration.id == last { break }
            }
        }
    }

    /// Applied and pending migrations, without changing anything (a database never migrated has all pending).
    public static func status(_ database: TimelapserDatabase) async throws -> MigrationStatus {
        let applied: [String: Date] = try await database.read { db in
            guard try await MigrationLedger.exists(db) else { return [:] }
            var applied: [String: Date] = [:]
            for row in try await db.raw("SELECT id, applied_at FROM schema_migrations").all() {
                applied[try row.decode(column: "id", as: String.self)] = try row.decode(column: "applied_at", as: Date.self)
            }
            return applied
        }
        return MigrationStatus(steps: knownIDs.map { MigrationStatus.Step(id: $0, appliedAt: applied[$0]) },
                               unknown: Set(applied.keys).subtracting(knownIDs).sorted())
    }
}

/// Whether the `schema_migrations` table exists (one small catalogue query per engine).
enum MigrationLedger {
    static func exists(_ db: DatabaseConnection) async throws -> Bool {
        let query: SQLQueryString = db.dialect.name == "postgresql"
            ? "SELECT 1 AS found FROM information_schema.tables WHERE table_name = 'schema_migrations'"
            : "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        return try await db.raw(query).first() != nil
    }
}
