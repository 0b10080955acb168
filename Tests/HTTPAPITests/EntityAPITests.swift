import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TestSupport
import TimelapserCore

@Suite("Entities API over real HTTP")
struct EntityAPITests {
    static func jsonBody(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    @Test("health names the engine", arguments: TestEngines.all)
    func health(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let response = try await client.execute(uri: "/api/health", method: .get)
            #expect(response.status == .ok)
            #expect(response.json["success"] as? Bool == true)
            #expect(response.data["status"] as? String == "ok")
            #expect(response.data["database"] as? String == engine.rawValue)
            #expect((response.data["queue"] as? [String: Any])?["pending"] as? Int == 0)
        }
    }

    @Test("camera → timelapse → 409 → complete → delete removes rows and folders", arguments: TestEngines.all)
    func lifecycle(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let created = try await client.execute(uri: "/api/cameras", method: .post,
                                                   body: Self.jsonBody(["name": "Garden", "rtsp_url": "rtsp://me:secret@cam.lan/s"]))
            #expect(created.status == .created)
            let cameraId = try #require(created.data["id"] as? Int)
            #expect(created.data["capture_interval_seconds"] as? Int == 300)
            #expect(created.data["generate_thumbnails"] as? Bool == true)
            #expect((created.data["rtsp_url"] as? String)?.contains("secret") == false)

            let started = try await client.execute(uri: "/api/cameras/\(cameraId)/timelapses", method: .post,
                                                   body: Self.jsonBody(["name": "Spring", "started_at": "2026-03-01T08:00:00Z"]))
            #expect(started.status == .created)
            let timelapseId = try #require(started.data["id"] as? Int)
            #expect(started.data["status"] as? String == "running")
            #expect(started.data["image_count"] as? Int == 0)
            #expect((started.data["started_at"] as? String)?.hasPrefix("2026-03-01T08:00:00") == true)

            let again = try await client.execute(uri: "/api/cameras/\(cameraId)/timelapses", method: .post, body: Self.jsonBody([:]))
            #expect(again.status == .conflict)
            #expect(again.json["success"] as? Bool == false)
            #expect(again.json["status_code"] as? Int == 409)

            let camera = try await client.execute(uri: "/api/cameras/\(cameraId)", method: .get)
            #expect(camera.data["active_timelapse_id"] as? Int == timelapseId)

            let folder = fixture.layout.root + "/" + DataLayout.framesDirectory(cameraId: Int64(cameraId), timelapseId: Int64(timelapseId))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: folder + "/x.jpg", contents: Data([0xFF, 0xD8])))

            let completed = try await client.execute(uri: "/api/timelapses/\(timelapseId)/complete", method: .post)
            #expect(completed.status == .ok)
            #expect(completed.data["status"] as? String == "completed")
            let completeAgain = try await client.execute(uri: "/api/timelapses/\(timelapseId)/complete", method: .post)
            #expect(completeAgain.status == .conflict)

            let deleted = try await client.execute(uri: "/api/cameras/\(cameraId)", method: .delete)
            #expect(deleted.status == .ok)
            #expect(deleted.data["timelapses_deleted"] as? Int == 1)
            #expect(!FileManager.default.fileExists(atPath: fixture.layout.root + "/" + DataLayout.cameraDirectory(cameraId: Int64(cameraId))))
            let gone = try await client.execute(uri: "/api/timelapses/\(timelapseId)", method: .get)
            #expect(gone.status == .notFound)
        }
    }

    @Test("unknown ids, malformed JSON and bad fields give the error envelope", arguments: TestEngines.all)
    func errors(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            for uri in ["/api/cameras/999", "/api/timelapses/999", "/api/images/999", "/api/cameras/abc", "/api/cameras/-1"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.json["status_code"] as? Int == 404)
                #expect(response.json["success"] as? Bool == false)
                #expect(response.json["error"] is String)
            }
            let malformed = try await client.execute(uri: "/api/cameras", method: .post, body: ByteBuffer(string: "{\"name\": "))
            #expect(malformed.status == .badRequest)
            let wrongType = try await client.execute(uri: "/api/cameras", method: .post, body: Self.jsonBody(["name": 5]))
            #expect(wrongType.status == .badRequest)
            #expect((wrongType.json["details"] as? [String: Any])?["field"] as? String == "name")
            let badInterval = try await client.execute(uri: "/api/cameras", method: .post,
                                                       body: Self.jsonBody(["name": "x", "capture_interval_seconds": 0]))
            #expect(badInterval.status == .unprocessableContent)
            let badURL = try await client.execute(uri: "/api/cameras", method: .post, body: Self.jsonBody(["name": "x", "rtsp_url": "file:///etc/passwd"]))
            #expect(badURL.status == .unprocessableContent)
        }
    }

    @Test("settings are typed, validated all-or-nothing, and survive a restart", arguments: TestEngines.all)
    func settings(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        await fixture.database.close()
        let initial = try await Self.withServer(fixture) { client in
            let response = try await client.execute(uri: "/api/settings", method: .get)
            #expect(response.data["generate_thumbnails"] as? Bool == true)
            #expect(response.data["small_generation_mode"] as? String == "all")
            #expect(response.data["thumbnail_job_batch_size"] as? Int == 5)
            #expect(response.data["max_upload_bytes"] as? Int == 52_428_800)
            #expect(response.data["timezone"] as? String == "UTC")
            let defaults = response.data
            let storedBefore = try await Self.storedSettings(fixture)
            #expect(defaults["small_quality"] as? Int == 85, "the valid key of each rejected patch differs from what is stored")
            // Each rejected patch pairs one bad key with a valid one; the last one names every valid key the validation
            // applies before reaching the bad `timezone` (keys are checked in sorted order).
            let everyValidKeyThenABadOne: [String: Any] = [
                "generate_thumbnails": false, "max_upload_bytes": 1_000_000, "purge_smalls_on_completion": true,
                "small_generation_mode": "none", "small_quality": 70, "thumbnail_job_batch_size": 9, "thumbnail_quality": 60,
                "timezone": "Mars/Olympus",
            ]
            let badValues: [(String, Any)] = [("small_generation_mode", "sometimes"), ("thumbnail_job_batch_size", -1),
                                              ("generate_thumbnails", "yes"), ("timezone", "Mars/Olympus"), ("thumbnail_quality", 101),
                                              ("no_such_setting", 1)]
            var rejected: [(field: String, patch: [String: Any])] = badValues.map { key, value in (key, [key: value, "small_quality": 70]) }
            rejected.append((field: "timezone", patch: everyValidKeyThenABadOne))
            for (key, patch) in rejected {
                let bad = try await client.execute(uri: "/api/settings", method: .patch, body: Self.jsonBody(patch))
                #expect(bad.status == .unprocessableContent, "\(key)")
                #expect((bad.json["details"] as? [String: Any])?["field"] as? String == key)
                // All or nothing: read back, not one key of the rejected patch changed, the valid ones included.
                let after = try await client.execute(uri: "/api/settings", method: .get).data
                for name in patch.keys.sorted() {
                    #expect(Self.sameJSON(after[name], defaults[name]), "\(name) changed by a rejected patch \(patch): \(after[name] ?? "absent")")
                }
                // Nor did any other setting.
                #expect(Set(after.keys) == Set(defaults.keys), "\(after)")
                #expect(defaults.keys.allSatisfy { Self.sameJSON(after[$0], defaults[$0]) }, "a rejected patch changed the settings: \(after)")
                // And nothing reached the database (the read above may come from the server's settings cache).
                #expect(try await Self.storedSettings(fixture) == storedBefore, "a rejected patch \(patch) was stored")
            }
            let good = try await client.execute(uri: "/api/settings", method: .patch,
                                                body: Self.jsonBody(["small_quality": 70, "timezone": "Europe/Paris"]))
            #expect(good.status == .ok)
            #expect(good.data["small_quality"] as? Int == 70)
            let camera = try await client.execute(uri: "/api/cameras", method: .post, body: Self.jsonBody(["name": "kept"]))
            return camera.data["id"] as? Int
        }
        // Same database, new process-like app: nothing was lost, and the rejected patches changed nothing.
        try await Self.withServer(fixture) { client in
            let response = try await client.execute(uri: "/api/settings", method: .get)
            #expect(response.data["small_quality"] as? Int == 70)
            #expect(response.data["timezone"] as? String == "Europe/Paris")
            #expect(response.data["thumbnail_job_batch_size"] as? Int == 5)
            // What the rejected patches tried to store is not in the database either (this server has read it afresh).
            #expect(response.data["generate_thumbnails"] as? Bool == true)
            #expect(response.data["max_upload_bytes"] as? Int == 52_428_800)
            #expect(response.data["purge_smalls_on_completion"] as? Bool == false)
            #expect(response.data["small_generation_mode"] as? String == "all")
            #expect(response.data["thumbnail_quality"] as? Int == 80)
            #expect(response.data["no_such_setting"] == nil)
            let camera = try await client.execute(uri: "/api/cameras/\(initial ?? 0)", method: .get)
            #expect(camera.data["name"] as? String == "kept")
        }
        try? FileManager.default.removeItem(atPath: fixture.dataDirectory)
    }

    @Test("an API token guards every non-GET request", arguments: TestEngines.all)
    func token(engine: DatabaseEngine) async throws {
        try await withTestServer(engine, apiToken: "s3cret") { client, _ in
            let open = try await client.execute(uri: "/api/cameras", method: .get)
            #expect(open.status == .ok)
            let denied = try await client.execute(uri: "/api/cameras", method: .post, body: Self.jsonBody(["name": "x"]))
            #expect(denied.status == .unauthorized)
            #expect(denied.json["status_code"] as? Int == 401)
            let wrong = try await client.execute(uri: "/api/cameras", method: .post, headers: [.authorization: "Bearer nope"],
                                                 body: Self.jsonBody(["name": "x"]))
            #expect(wrong.status == .unauthorized)
            let allowed = try await client.execute(uri: "/api/cameras", method: .post, headers: [.authorization: "Bearer s3cret"],
                                                   body: Self.jsonBody(["name": "x"]))
            #expect(allowed.status == .created)
        }
    }

    @Test("every route is in the OpenAPI document", arguments: TestEngines.all)
    func openAPICoversRoutes(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let response = try await client.execute(uri: "/api/openapi.json", method: .get)
            #expect(response.status == .ok)
            let paths = try #require(response.json["paths"] as? [String: [String: Any]])
            let routes = try await Self.routes(engine)
            #expect(routes.count > 10)
            for (method, path) in routes {
                #expect(paths[path]?[method] != nil, "\(method.uppercased()) \(path) is missing from openapi.json")
            }
        }
    }

    static func routes(_ engine: DatabaseEngine) async throws -> [(String, String)] {
        try await RouteListing.routes(engine)
    }

    /// The settings rows (key → JSON text), read on a connection of the test's own, past the server's cache.
    static func storedSettings(_ fixture: TestDatabase) async throws -> [String: String] {
        var logger = Logger(label: "test-settings")
        logger.logLevel = .warning
        let database = try await TimelapserDatabase.open(fixture.location, logger: logger)
        let stored = try await database.withRunningClient { try await database.read { try await SettingsStore.fetchAll($0) } }
        await database.close()
        return stored
    }

    /// Whether two values decoded from JSON are the same JSON value (both absent counts as the same).
    static func sameJSON(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (a?, b?): NSArray(object: a).isEqual(NSArray(object: b))
        default: false
        }
    }

    static func withServer<R: Sendable>(_ fixture: TestDatabase, _ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        let configuration = timelapserConfiguration(fixture)
        let app = try await buildTestApplication(configuration)
        return try await app.test(.live) { client in await afterShutdown { try await body(client) } }.get()
    }
}

@Suite("Dashboard assets")
struct DashboardAssetTests {
    @Test(arguments: TestEngines.all)
    func servesThePageAndItsAssetsOnly(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).contains("/dashboard/app.js"))
            let script = try await client.execute(uri: "/dashboard/app.js", method: .get)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            for uri in ["/dashboard/..%2FPackage.swift", "/dashboard/.hidden.js", "/dashboard/nope.js", "/dashboard/app.swift"] {
                #expect(try await client.execute(uri: uri, method: .get).status == .notFound, "\(uri)")
            }
        }
    }
}
