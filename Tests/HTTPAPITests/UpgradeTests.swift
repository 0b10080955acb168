import AsyncHTTPClient
import Database
import DataDirectory
import Foundation
import Logging
import NIOCore
import SQLKit
import Testing
import TestSupport
import TimelapserCore

/// Upgrading safely: an older release's database is brought up to date at start with its data served, a newer
/// release's is refused untouched, `migrate --status` tells which is which; `--version`, health's version and the
/// JSON log format (the real binary, as a user runs it).
@Suite("Upgrades, versions and logs")
struct UpgradeTests {
    /// The last migration of the previous release.
    static let previousRelease = "0006_storage_planning"

    static func database(_ folder: TempDir) -> (location: DatabaseLocation, url: String) {
        let path = folder.path + "/timelapser.sqlite"
        return (.sqlite(path: path), "sqlite://" + path)
    }

    static func open(_ location: DatabaseLocation) async throws -> TimelapserDatabase {
        var logger = Logger(label: "test-upgrade")
        logger.logLevel = .warning
        return try await TimelapserDatabase.open(location, logger: logger)
    }

    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), Array(body.readableBytesView))
    }

    static func json(_ bytes: [UInt8]) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any])?["data"] as? [String: Any] ?? [:]
    }

    @Test("a database at the previous release's schema, with frames, is upgraded at start and served intact")
    func olderDatabaseUpgraded() async throws {
        let folder = TempDir()
        defer { folder.cleanup() }
        let (location, url) = Self.database(folder)
        let layout = DataLayout(root: folder.path)
        let frame = TestFrames.scene(width: 320, height: 240, seed: 4)
        let database = try await Self.open(location)
        let ids = try await database.withRunningClient {
            try await SchemaMigrator.migrate(database, through: Self.previousRelease)
            return try await FrameSeeder.seed(database, layout: layout, count: 3, jpeg: frame)
        }
        await database.close()

        let before = try await CLIRun.run(["migrate", "--status", "--data-dir", folder.path, "--database-url", url])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("\(Self.previousRelease)  applied"))
        #expect(before.stdout.contains("0007_access  pending"), "\(before.stdout)")

        let port = TimelapserProcess.freePort()
        let server = try TimelapserProcess(["serve", "--data-dir", folder.path, "--database-url", url, "--port", "\(port)"],
                                           logPath: folder.path + "/serve.log")
        defer { server.signal(SIGKILL) }
        try await waitUntil("the upgraded server to answer", timeout: .seconds(60), interval: .milliseconds(200)) {
            (try? await Self.get(port, "/api/health").status) == 200
        }
        for id in ids {
            let served = try await Self.get(port, "/api/images/\(id)/full")
            #expect(served.status == 200 && served.body == frame, "image \(id)")
        }
        let images = try await Self.get(port, "/api/images/\(ids[0])")
        #expect(Self.json(images.body)["id"] as? Int == Int(ids[0]))
        server.signal(SIGTERM)
        #expect(await server.waitForExit())

        let after = try await CLIRun.run(["migrate", "--status", "--data-dir", folder.path, "--database-url", url])
        #expect(after.stdout.contains("0007_access  applied"), "\(after.stdout)")
        #expect(after.stdout.contains("\(SchemaMigrator.knownIDs.count) applied, 0 pending"), "\(after.stdout)")
    }

    @Test("a database written by a newer release is refused at start with the migration named, and left untouched")
    func newerDatabaseRefused() async throws {
        let folder = TempDir()
        defer { folder.cleanup() }
        let (location, url) = Self.database(folder)
        let database = try await Self.open(location)
        try await database.withRunningClient {
            try await SchemaMigrator.migrate(database, through: Self.previousRelease)
            // What a newer release would have left: its own next migration.
            try await database.autocommit { db in
                try await db.raw("INSERT INTO schema_migrations (id, applied_at) VALUES ('0099_from_the_future', \(bind: Date()))").run()
            }
        }
        await database.close()

        let port = TimelapserProcess.freePort()
        let serve = try await CLIRun.run(["serve", "--data-dir", folder.path, "--database-url", url, "--port", "\(port)"],
                                         timeout: .seconds(60))
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("0099_from_the_future") && serve.stderr.contains("newer Timelapser"), "\(serve.stderr)")
        let status = try await CLIRun.run(["migrate", "--status", "--data-dir", folder.path, "--database-url", url])
        #expect(status.status != 0)
        #expect(status.stdout.contains("0099_from_the_future  applied by a newer Timelapser"), "\(status.stdout)")
        #expect(status.stdout.contains("0007_access  pending"))
        // Nothing was applied: the older schema's migrations and the newer one's mark only.
        let reopened = try await Self.open(location)
        let current = try await reopened.withRunningClient { try await SchemaMigrator.status(reopened) }
        await reopened.close()
        #expect(current.pending == ["0007_access", "0008_placeholders", "0009_webp_variants"] && current.unknown == ["0099_from_the_future"])
    }

    @Test("--version and health carry the version; --log-format json writes one JSON object per line")
    func versionAndLogs() async throws {
        let version = try await CLIRun.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("0.9.0 ("), "\(version.stdout)")

        let folder = TempDir()
        defer { folder.cleanup() }
        let port = TimelapserProcess.freePort()
        let server = try TimelapserProcess(["serve", "--data-dir", folder.path, "--port", "\(port)", "--log-format", "json",
                                            "--log-level", "debug"], logPath: folder.path + "/serve.log")
        defer { server.signal(SIGKILL) }
        try await waitUntil("the server to answer", timeout: .seconds(60), interval: .milliseconds(200)) {
            (try? await Self.get(port, "/api/health").status) == 200
        }
        let health = Self.json(try await Self.get(port, "/api/health").body)
        #expect(health["version"] as? String == "0.9.0")
        #expect((health["build"] as? String)?.hasPrefix("debug") == true, "\(health)")
        server.signal(SIGTERM)
        #expect(await server.waitForExit())
        let lines = server.log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 2)
        for line in lines {
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            #expect(object?["level"] is String && object?["message"] is String && object?["time"] is String, "\(line)")
        }
        #expect(lines.contains { $0.contains("\"message\":\"timelapser 0.9.0") })
        #expect(lines.contains { $0.contains("\"level\":\"debug\"") } || lines.count >= 2)

        let bad = try await CLIRun.run(["serve", "--data-dir", folder.path, "--log-format", "xml"])
        #expect(bad.status != 0 && bad.stderr.contains("log-format"), "\(bad.stderr)")
    }
}
