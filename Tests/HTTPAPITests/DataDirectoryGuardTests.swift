import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
@testable import timelapser
import TimelapserCore

/// The guards of destructive maintenance over real HTTP, real files: a data directory that is not the database's
/// (swapped for an empty one, or another instance's) refuses verify, cleanup, repair and delete-all; cleanup and
/// repair refuse to delete more than `cleanup_max_delete_percent` of the variant files without `force`.
@Suite("Data directory guards")
struct DataDirectoryGuardTests {
    typealias Maintenance = MaintenanceAPITests

    /// What the first server left, in Sendable form.
    struct Catalogue: Sendable {
        var timelapse: Int
        var imageIds: [Int]
        var thumbnailPaths: [String]
        var files: [String]
    }

    /// Runs the real application on `configuration` over real HTTP; returns what `body` returns.
    static func serve<R: Sendable>(_ configuration: AppConfiguration,
                                   _ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        let app = try await buildTestApplication(configuration)
        return try await app.test(.live) { client in
            await afterShutdown { try await body(client) }
        }.get()
    }

    static func configuration(_ fixture: TestDatabase, root: String) -> AppConfiguration {
        AppConfiguration(host: "127.0.0.1", port: 0, layout: DataLayout(root: root), database: fixture.location, workers: 2, apiToken: nil)
    }

    static func dataDir(_ client: some TestClientProtocol) async throws -> [String: Any] {
        let health = try await client.execute(uri: "/api/health", method: .get)
        #expect(health.status == .ok)
        return try #require(health.data["data_dir"] as? [String: Any], "\(health.json)")
    }

    static func reason(_ response: TestResponse) -> String? {
        (response.json["details"] as? [String: Any])?["reason"] as? String
    }

    static func markerPath(_ root: String) -> String { root + "/" + DataDirectoryMarker.fileName }

    @Test("the first start writes the marker and health reports ok", arguments: TestEngines.all)
    func firstStart(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let dataDir = try await Self.dataDir(client)
            #expect(dataDir["status"] as? String == "ok")
            #expect(dataDir["reason"] is NSNull)
            let marker = try String(contentsOfFile: Self.markerPath(fixture.layout.root), encoding: .utf8)
            #expect(marker.hasSuffix("\n"))
            #expect(UUID(uuidString: marker.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(marker)")
        }
    }

    /// Every destructive operation on a guarded server: each answers 409 with a reason.
    static func expectRefused(_ client: some TestClientProtocol, timelapse: Int) async throws {
        let operations: [(HTTPRequest.Method, String)] = [
            (.post, "/api/thumbnails/verify"), (.delete, "/api/thumbnails/cleanup?dry_run=false"),
            (.delete, "/api/thumbnails/cleanup"), (.post, "/api/thumbnails/repair"),
            (.post, "/api/thumbnails/repair?force=true"), (.delete, "/api/thumbnails/delete-all?confirm=true"),
            (.post, "/api/timelapses/\(timelapse)/thumbnails/verify"),
        ]
        for (method, uri) in operations {
            let response = try await client.execute(uri: uri, method: method)
            #expect(response.status == .conflict, "\(uri): \(response.status)")
            #expect(!(Self.reason(response) ?? "").isEmpty, "\(uri): \(response.json)")
        }
    }

    /// The rows still name every variant, the counts still say so, and the original files are all there.
    static func expectUntouched(_ client: some TestClientProtocol, _ before: Catalogue) async throws {
        for (id, path) in zip(before.imageIds, before.thumbnailPaths) {
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .get).data["thumbnail_path"] as? String == path)
        }
        let tl = try await client.execute(uri: "/api/timelapses/\(before.timelapse)", method: .get).data
        #expect(tl["thumbnail_count"] as? Int == before.imageIds.count && tl["small_count"] as? Int == before.imageIds.count)
        let stats = try await client.execute(uri: "/api/thumbnails/stats", method: .get)
        #expect(stats.status == .ok)
        for file in before.files { #expect(Maintenance.exists(file), "\(file)") }
    }

    @Test("a data directory swapped for an empty one, or another instance's, refuses destructive maintenance",
          arguments: TestEngines.all)
    func swappedDirectory(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        await fixture.database.close()
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("timelapser-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: fixture.dataDirectory)
            try? FileManager.default.removeItem(atPath: empty)
        }
        let root = fixture.layout.root
        let before = try await Self.serve(Self.configuration(fixture, root: root)) { client in
            // The first check (health here; `serve` makes one as soon as it listens) writes the marker.
            #expect(try await client.execute(uri: "/api/health", method: .get).status == .ok)
            let c = try await Maintenance.capture(client, fixture, count: 3)
            return Catalogue(timelapse: c.timelapse, imageIds: c.images.map { $0["id"] as! Int },
                             thumbnailPaths: c.images.map { $0["thumbnail_path"] as! String },
                             files: (0..<3).flatMap { [c.thumbnail($0), c.small($0), c.frame($0)] })
        }
        let marker = try String(contentsOfFile: Self.markerPath(root), encoding: .utf8)

        // The volume is not mounted: the server starts on an empty directory.
        try await Self.serve(Self.configuration(fixture, root: empty)) { client in
            let dataDir = try await Self.dataDir(client)
            #expect(dataDir["status"] as? String == "mismatch")
            #expect((dataDir["reason"] as? String)?.contains("no marker") == true, "\(dataDir)")
            try await Self.expectRefused(client, timelapse: before.timelapse)
            try await Self.expectUntouched(client, before)
        }
        #expect(!Maintenance.exists(Self.markerPath(empty)), "a directory the database does not know gets no marker")

        // Another instance's directory: its marker holds another id.
        try Data("\(UUID().uuidString.lowercased())\n".utf8).write(to: URL(fileURLWithPath: Self.markerPath(root)))
        try await Self.serve(Self.configuration(fixture, root: root)) { client in
            let dataDir = try await Self.dataDir(client)
            #expect(dataDir["status"] as? String == "mismatch")
            #expect((dataDir["reason"] as? String)?.contains("another instance") == true, "\(dataDir)")
            try await Self.expectRefused(client, timelapse: before.timelapse)
            try await Self.expectUntouched(client, before)
        }

        // The right marker back: health is ok again and verify runs (and finds every file valid).
        try Data(marker.utf8).write(to: URL(fileURLWithPath: Self.markerPath(root)))
        try await Self.serve(Self.configuration(fixture, root: root)) { client in
            #expect(try await Self.dataDir(client)["status"] as? String == "ok")
            let verify = try await client.execute(uri: "/api/thumbnails/verify", method: .post)
            #expect(verify.status == .ok)
            #expect(verify.data["valid_thumbnails"] as? Int == 3 && verify.data["counts_updated"] as? Bool == false)
            // Unmounted while running: the next check reads the marker again.
            try FileManager.default.removeItem(atPath: Self.markerPath(root))
            #expect(try await Self.dataDir(client)["status"] as? String == "mismatch")
            #expect(try await client.execute(uri: "/api/thumbnails/repair", method: .post).status == .conflict)
            try Data(marker.utf8).write(to: URL(fileURLWithPath: Self.markerPath(root)))
            #expect(try await Self.dataDir(client)["status"] as? String == "ok")
        }
    }

    /// Writes `count` variant-named thumbnails of frames that do not exist; returns their paths.
    static func orphans(_ c: MaintenanceAPITests.Captured, count: Int, firstDay: Int) throws -> [String] {
        try (0..<count).map { i in
            let path = c.folder + "/thumbnails/timelapse-\(c.timelapse)_thumb_day\(String(format: "%03d", firstDay + i))_000000.jpg"
            try Maintenance.write(path, TestFrames.scene(width: 32, height: 24))
            return path
        }
    }

    @Test("cleanup and repair refuse to delete more than half of the variant files unless forced", arguments: TestEngines.all)
    func deletionLimit(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            // 2 frames: 2 thumbnails and 2 smalls referenced; 6 orphans make 6 of 10 scanned files (60 %).
            let c = try await Maintenance.capture(client, fixture, count: 2)
            let kept = (0..<2).flatMap { [c.thumbnail($0), c.small($0), c.frame($0)] }
            var orphans = try Self.orphans(c, count: 6, firstDay: 90)

            let dry = try await client.execute(uri: "/api/thumbnails/cleanup", method: .delete)
            #expect(dry.status == .ok, "a dry run only reports")
            #expect(dry.data["deletable_files"] as? Int == 6)
            let refused = try await client.execute(uri: "/api/thumbnails/cleanup?dry_run=false", method: .delete)
            #expect(refused.status == .conflict)
            let reason = Self.reason(refused) ?? ""
            #expect(reason.contains("6 of 10") && reason.contains("cleanup_max_delete_percent"), "\(refused.json)")
            for path in orphans + kept { #expect(Maintenance.exists(path), "\(path)") }

            let forced = try await client.execute(uri: "/api/thumbnails/cleanup?dry_run=false&force=true", method: .delete)
            #expect(forced.status == .ok)
            #expect(forced.data["files_deleted"] as? Int == 6)
            for path in orphans { #expect(!Maintenance.exists(path), "\(path)") }
            for path in kept { #expect(Maintenance.exists(path), "\(path)") }

            orphans = try Self.orphans(c, count: 6, firstDay: 80)
            let repairRefused = try await client.execute(uri: "/api/thumbnails/repair", method: .post)
            #expect(repairRefused.status == .conflict)
            #expect(Self.reason(repairRefused)?.contains("repair would delete 6 of 10") == true, "\(repairRefused.json)")
            for path in orphans + kept { #expect(Maintenance.exists(path), "\(path)") }
            let repaired = try await client.execute(uri: "/api/thumbnails/repair?force=true", method: .post)
            #expect(repaired.status == .ok)
            #expect(repaired.data["files_deleted"] as? Int == 6)
            for path in orphans { #expect(!Maintenance.exists(path), "\(path)") }
            for path in kept { #expect(Maintenance.exists(path), "\(path)") }

            // The limit is a setting: at 70 % the same cleanup goes ahead without force.
            orphans = try Self.orphans(c, count: 6, firstDay: 70)
            let patch = try await client.execute(uri: "/api/settings", method: .patch,
                                                 body: CapturePipelineTests.json(["cleanup_max_delete_percent": 70]))
            #expect(patch.status == .ok, "\(patch.json)")
            let allowed = try await client.execute(uri: "/api/thumbnails/cleanup?dry_run=false", method: .delete)
            #expect(allowed.status == .ok && allowed.data["files_deleted"] as? Int == 6, "\(allowed.json)")
            for path in kept { #expect(Maintenance.exists(path), "\(path)") }
        }
    }
}
