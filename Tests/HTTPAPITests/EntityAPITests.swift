import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
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
            for (key, value) in [("small_generation_mode", "sometimes" as Any), ("thumbnail_job_batch_size", -1),
                                 ("generate_thumbnails", "yes"), ("timezone", "Mars/Olympus"), ("thumbnail_quality", 101),
                                 ("no_such_setting", 1)] {
                let bad = try await client.execute(uri: "/api/settings", method: .patch,
                                                   body: Self.jsonBody([key: value, "small_quality": 70]))
                #expect(bad.status == .unprocessableContent, "\(key)")
                #expect((bad.json["details"] as? [String: Any])?["field"] as? String == key)
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
            let camera = try await client.execute(uri: "/api/cameras/\(initial ?? 0)", method: .get)
            #expect(camera.data["name"] as? String == "kept")
        }
        try? FileManager.default.removeItem(atPath: fixture.dataDirectory)
    }

    @Test("an API token guards every non-GET request", arguments: [DatabaseEngine.sqlite])
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

    @Test("every route is in the OpenAPI document")
    func openAPICoversRoutes() async throws {
        try await withTestServer(.sqlite) { client, _ in
            let response = try await client.execute(uri: "/api/openapi.json", method: .get)
            #expect(response.status == .ok)
            let paths = try #require(response.json["paths"] as? [String: [String: Any]])
            let routes = try await Self.routes()
            #expect(routes.count > 10)
            for (method, path) in routes {
                #expect(paths[path]?[method] != nil, "\(method.uppercased()) \(path) is missing from openapi.json")
            }
        }
    }

    static func routes() async throws -> [(String, String)] {
        try await RouteListing.routes()
    }

    static func withServer<R: Sendable>(_ fixture: TestDatabase, _ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        let configuration = timelapserConfiguration(fixture)
        let app = try await buildTestApplication(configuration)
        return try await app.test(.live) { client in try await body(client) }
    }
}

@Suite("Dashboard assets")
struct DashboardAssetTests {
    @Test func servesThePageAndItsAssetsOnly() async throws {
        try await withTestServer(.sqlite) { client, _ in
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
