import Access
import Database
import Foundation
@testable import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TestSupport
@testable import timelapser
import TimelapserCore

@Suite("Users and access: every route × every role", .serialized)
struct AccessControlTests {
    typealias Server = UsersModeServer

    /// Every route the router registers with its declared access (none may lack one).
    static func declaredRoutes(_ fixture: TestDatabase) async throws -> [(method: HTTPRequest.Method, path: String, access: RouteAccess?)] {
        var logger = Logger(label: "routes")
        logger.logLevel = .warning
        let composition = try await Composition.make(Server.configuration(fixture), logger: logger)
        let table = AccessTable()
        let router = HTTPAPI.buildRouter(composition.apiServices, table: table)
        let routes = router.routes.map { route in
            (route.method, route.path.description, table.access(route.method, endpointPath: route.path.description))
        }
        await composition.database.close()
        return routes
    }

    /// A concrete URI for a route pattern: ids of nothing (404 where the role may), a file the dashboard has.
    static func uri(_ path: String) -> String {
        path.split(separator: "/").map { part -> String in
            switch part {
            case "{file}": "app.js"
            case "{token}": "no-such-preview"
            default: part.hasPrefix("{") ? "999999" : String(part)
            }
        }.reduce("") { $0 + "/" + $1 }.nonEmpty ?? "/"
    }

    /// What a role must get from a route: nil when it may call it (any answer but 401/403), else the status.
    static func expected(_ access: RouteAccess, role: Role?) -> HTTPResponse.Status? {
        guard let needed = access.role else { return nil }
        guard let role else { return .unauthorized }
        return role >= needed ? nil : .forbidden
    }

    @Test("each route answers each role as declared: anonymous 401 and no image byte, too low a role 403", arguments: TestEngines.all)
    func routeByRole(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        let routes = try await Self.declaredRoutes(fixture)
        let undeclared = routes.filter { $0.access == nil }.map { "\($0.method) \($0.path)" }
        #expect(undeclared.isEmpty, "routes without an access declaration: \(undeclared)")
        await fixture.database.close()
        try await Server.run(fixture) { client in
            var cookies: [Role: String] = [:]
            for role in Server.roles { cookies[role] = try await Server.signIn(client, role.rawValue) }
            // Logout ends the caller's session and the event stream never ends: both have tests of their own.
            let walked = routes.filter { $0.path != "/api/auth/logout" && $0.path != "/api/events" }
            #expect(walked.count > 80)
            for route in walked {
                let access = try #require(route.access)
                for role in [nil] + Server.roles.reversed() {
                    var headers: HTTPFields = role.map { Server.session(cookies[$0]!) } ?? [:]
                    if route.method != .get && route.method != .head { headers[.contentType] = "application/json" }
                    let response: TestResponse
                    do {
                        response = try await client.execute(uri: Self.uri(route.path), method: route.method, headers: headers,
                                                            body: route.method == .get || route.method == .head ? nil : ByteBuffer(string: "{}"))
                    } catch {
                        Issue.record("\(route.method) \(route.path) as \(role?.rawValue ?? "anonymous"): \(error)")
                        throw error
                    }
                    let who = role?.rawValue ?? "anonymous"
                    if let status = Self.expected(access, role: role) {
                        #expect(response.status == status, "\(route.method) \(route.path) as \(who): \(response.status)")
                        #expect(response.headers[.contentType]?.hasPrefix("image/") != true, "no image byte to \(who)")
                    } else {
                        #expect(response.status != .unauthorized && response.status != .forbidden,
                                "\(route.method) \(route.path) as \(who) (\(access)): \(response.status) \(String(buffer: response.body).prefix(200))")
                    }
                }
            }
            let events = try await client.execute(uri: "/api/events", method: .get)
            #expect(events.status == .unauthorized, "the event stream is private")
        }
    }

    @Test("a viewer's write is refused and changes nothing; a cross-origin write with a valid cookie is refused",
          arguments: TestEngines.all)
    func viewerAndCrossOrigin(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        try await Server.run(fixture) { client in
            let operatorCookie = try await Server.signIn(client, "operator")
            let viewerCookie = try await Server.signIn(client, "viewer")
            let created = try await client.execute(uri: "/api/cameras", method: .post, headers: Server.session(operatorCookie),
                                                   body: Server.json(["name": "roof"]))
            #expect(created.status == .created)
            let id = try #require(created.data["id"] as? Int)
            let renamed = try await client.execute(uri: "/api/cameras/\(id)", method: .patch, headers: Server.session(viewerCookie),
                                                   body: Server.json(["name": "hacked"]))
            #expect(renamed.status == .forbidden)
            let deleted = try await client.execute(uri: "/api/cameras/\(id)", method: .delete, headers: Server.session(viewerCookie))
            #expect(deleted.status == .forbidden)
            let shown = try await client.execute(uri: "/api/cameras/\(id)", method: .get, headers: Server.session(viewerCookie))
            #expect(shown.data["name"] as? String == "roof", "nothing changed")

            var foreign = Server.session(operatorCookie)
            foreign[.origin] = "https://evil.example"
            let crossOrigin = try await client.execute(uri: "/api/cameras/\(id)", method: .delete, headers: foreign)
            #expect(crossOrigin.status == .forbidden)
            var noOrigin = Server.session(operatorCookie)
            noOrigin[.origin] = nil
            #expect(try await client.execute(uri: "/api/cameras/\(id)", method: .delete, headers: noOrigin).status == .forbidden)
            #expect(try await client.execute(uri: "/api/cameras/\(id)", method: .get, headers: Server.session(viewerCookie)).status == .ok,
                    "still there")
            var foreignLogout = Server.session(viewerCookie)
            foreignLogout[.origin] = "https://evil.example"
            #expect(try await client.execute(uri: "/api/auth/logout", method: .post, headers: foreignLogout).status == .forbidden)
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.cookie: viewerCookie]).status == .ok,
                    "a foreign page cannot sign the viewer out")
            let me = try await client.execute(uri: "/api/auth/me", method: .get, headers: [.cookie: viewerCookie])
            #expect(me.headers[.cacheControl] == "no-store")
            // The audit log names who did what.
            let adminCookie = try await Server.signIn(client, "admin")
            let audit = try await client.execute(uri: "/api/audit?user=operator", method: .get, headers: Server.session(adminCookie))
            let entries = audit.json["data"] as? [[String: Any]] ?? []
            #expect(entries.contains { $0["method"] as? String == "POST" && $0["path"] as? String == "/api/cameras" && $0["status"] as? Int == 201 })
        }
    }

    @Test("a capture-scoped token uploads to its camera and nothing else", arguments: TestEngines.all)
    func captureToken(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        try await Server.run(fixture) { client in
            let cookie = try await Server.signIn(client, "operator")
            var ids: [Int] = []
            for name in ["own", "other"] {
                let camera = try await client.execute(uri: "/api/cameras", method: .post, headers: Server.session(cookie),
                                                      body: Server.json(["name": name]))
                let id = try #require(camera.data["id"] as? Int)
                _ = try await client.execute(uri: "/api/cameras/\(id)/timelapses", method: .post, headers: Server.session(cookie),
                                             body: Server.json([:]))
                ids.append(id)
            }
            let made = try await client.execute(uri: "/api/tokens", method: .post, headers: Server.session(cookie),
                                                body: Server.json(["name": "roof camera", "scopes": ["capture:\(ids[0])"]]))
            #expect(made.status == .created)
            let token = try #require(made.data["token"] as? String)
            let bearer: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "image/jpeg"]
            let frame = ByteBuffer(bytes: TestFrames.scene(width: 320, height: 240))
            let own = try await client.execute(uri: "/api/cameras/\(ids[0])/captures", method: .post, headers: bearer, body: frame)
            #expect(own.status == .created, "\(String(buffer: own.body))")
            let other = try await client.execute(uri: "/api/cameras/\(ids[1])/captures", method: .post, headers: bearer, body: frame)
            #expect(other.status == .forbidden)
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .forbidden,
                    "no read scope")
            #expect(try await client.execute(uri: "/api/cameras/\(ids[0])", method: .delete, headers: [.authorization: "Bearer \(token)"]).status
                    == .forbidden)
            let listed = try await client.execute(uri: "/api/tokens", method: .get, headers: Server.session(cookie))
            let first = (listed.json["data"] as? [[String: Any]])?.first
            #expect(first?["last_used_at"] is String, "its last use is recorded")
            #expect(first?["token"] == nil, "the token is never shown again")
            let tokenId = try #require(made.data["id"] as? Int)
            #expect(try await client.execute(uri: "/api/tokens/\(tokenId)", method: .delete, headers: Server.session(cookie)).status == .ok)
            let revoked = try await client.execute(uri: "/api/cameras/\(ids[0])/captures", method: .post, headers: bearer, body: frame)
            #expect(revoked.status == .unauthorized)
        }
    }
}

extension AccessControlTests {
    @Test("a share link opens one camera's latest image without signing in, until it is revoked; a forged one never",
          arguments: TestEngines.all)
    func shareLink(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        try await Server.run(fixture) { client in
            let admin = try await Server.signIn(client, "admin")
            let camera = try await client.execute(uri: "/api/cameras", method: .post, headers: Server.session(admin),
                                                  body: Server.json(["name": "garden"]))
            let id = try #require(camera.data["id"] as? Int)
            _ = try await client.execute(uri: "/api/cameras/\(id)/timelapses", method: .post, headers: Server.session(admin), body: Server.json([:]))
            var upload = Server.session(admin)
            upload[.contentType] = "image/jpeg"
            let captured = try await client.execute(uri: "/api/cameras/\(id)/captures", method: .post, headers: upload,
                                                    body: ByteBuffer(bytes: TestFrames.scene(width: 320, height: 240)))
            #expect(captured.status == .created)
            #expect(try await client.execute(uri: "/api/cameras/\(id)/latest-image/full", method: .get).status == .unauthorized)
            let made = try await client.execute(uri: "/api/share", method: .post, headers: Server.session(admin),
                                                body: Server.json(["camera_id": id, "variant": "full", "expires_in_seconds": 3600]))
            #expect(made.status == .created)
            let url = try #require(made.data["url"] as? String)
            let opened = try await client.execute(uri: url, method: .get)
            #expect(opened.status == .ok)
            #expect(opened.headers[.contentType] == "image/jpeg")
            #expect(opened.headers[.cacheControl] == "private, no-cache")
            var forged = url
            forged.replaceSubrange(forged.index(forged.endIndex, offsetBy: -3)..., with: "AAA")
            #expect(try await client.execute(uri: forged, method: .get).status == .notFound)
            let viewer = try await Server.signIn(client, "viewer")
            #expect(try await client.execute(uri: "/api/share", method: .post, headers: Server.session(viewer),
                                              body: Server.json(["camera_id": id])).status == .forbidden, "only admins share")
            #expect(try await client.execute(uri: "/api/share", method: .delete, headers: Server.session(admin)).status == .ok)
            #expect(try await client.execute(uri: url, method: .get).status == .notFound, "revoked")
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
