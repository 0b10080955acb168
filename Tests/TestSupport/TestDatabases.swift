import Database
import DataDirectory
import Foundation
import Logging
import SQLKit
import TimelapserCore

/// The engines a test runs on: SQLite always, PostgreSQL when `TIMELAPSER_TEST_POSTGRES_URL` is set
/// (`make test` starts a throwaway cluster and sets it). With `TIMELAPSER_REQUIRE_POSTGRES=1` a missing
/// PostgreSQL fails instead of being skipped.
public enum TestEngines {
    public static var all: [DatabaseEngine] {
        let environment = ProcessInfo.processInfo.environment
        if environment["TIMELAPSER_TEST_POSTGRES_URL"] != nil || environment["TIMELAPSER_REQUIRE_POSTGRES"] == "1" {
            return [.sqlite, .postgresql]
        }
        return [.sqlite]
    }
}

/// A fresh, migrated database and data directory for one test; ``cleanup()`` removes both.
public struct TestDatabase: Sendable {
    public let database: TimelapserDatabase
    public let location: DatabaseLocation
    public let dataDirectory: String
    public let layout: DataLayout
    /// The database URL a child process (`timelapser serve|worker`) would be given.
    public let url: String

    public static func make(_ engine: DatabaseEngine) async throws -> TestDatabase {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("timelapser-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let url: String
        switch engine {
        case .sqlite:
            url = "sqlite://\(directory)/timelapser.sqlite"
        case .postgresql:
            guard let base = ProcessInfo.processInfo.environment["TIMELAPSER_TEST_POSTGRES_URL"] else {
                throw TestSetupError("PostgreSQL required: set TIMELAPSER_TEST_POSTGRES_URL (make test does)")
            }
            url = try await createDatabase(base: base, logger: logger)
        }
        let location = try DatabaseLocation(url: url)
        let database = try await TimelapserDatabase.openMigrated(location, logger: logger)
        try await keepNoDiskReserve(location, logger: logger)
        return TestDatabase(database: database, location: location, dataDirectory: directory,
                            layout: DataLayout(root: directory), url: url)
    }

    /// Tests run wherever the machine's temporary folder is, however full: the free-space reserve (by default up to
    /// 1 GiB) is off unless a test sets it (the disk-full tests do, on a small volume of their own).
    static func keepNoDiskReserve(_ location: DatabaseLocation, logger: Logger) async throws {
        let database = try await TimelapserDatabase.open(location, logger: logger)
        try await database.withRunningClient {
            try await database.transaction { try await SettingsStore.upsert($0, ["min_free_disk_bytes": "0"], at: Date()) }
        }
        await database.close()
    }

    /// The URL of a new, empty database on the shared cluster (a restore's target).
    public static func emptyPostgresURL() async throws -> String {
        guard let base = ProcessInfo.processInfo.environment["TIMELAPSER_TEST_POSTGRES_URL"] else {
            throw TestSetupError("PostgreSQL required: set TIMELAPSER_TEST_POSTGRES_URL (make test does)")
        }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await createDatabase(base: base, logger: logger)
    }

    /// A new database per test on the shared cluster, so tests never see each other's rows.
    static func createDatabase(base: String, logger: Logger) async throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let admin = try await TimelapserDatabase.open(try DatabaseLocation(url: base), logger: logger)
        try await admin.withRunningClient {
            try await admin.read { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        }
        guard let slash = base.lastIndex(of: "/") else { throw TestSetupError("bad URL \(base)") }
        return String(base[..<slash]) + "/" + name
    }

    /// Runs `body` with the database's client running (PostgreSQL), then closes it and removes the data dir.
    public func run<R: Sendable>(_ body: @Sendable (TestDatabase) async throws -> R) async throws -> R {
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let result = try await database.withRunningClient { try await body(self) }
        await database.close()
        return result
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `body` on a fresh database of `engine`.
public func withTestDatabase<R: Sendable>(_ engine: DatabaseEngine, _ body: @Sendable (TestDatabase) async throws -> R) async throws -> R {
    try await TestDatabase.make(engine).run(body)
}
