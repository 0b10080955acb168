import Access
import Database
import Foundation
import Hummingbird
import HummingbirdOTP
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import TestSupport
import TimelapserCore

@Suite("Sessions, sign-in throttling and setup", .serialized)
struct SessionLifecycleTests {
    typealias Server = UsersModeServer

    static func me(_ client: any TestClientProtocol, _ cookie: String) async throws -> [String: Any]? {
        let response = try await client.execute(uri: "/api/auth/me", method: .get, headers: [.cookie: cookie])
        return response.data["user"] as? [String: Any]
    }

    @Test("a session survives a restart, and dies on logout and on revocation", arguments: TestEngines.all)
    func sessionLifecycle(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        let cookies = Mutex<[String]>([])
        try await Server.run(fixture) { client in
            let cookie = try await Server.signIn(client, "viewer")
            #expect(try await Self.me(client, cookie)?["username"] as? String == "viewer")
            let login = try await client.execute(uri: "/api/auth/login", method: .post,
                                                 body: Server.json(["username": "viewer", "password": Server.password]))
            let setCookie = try #require(login.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/"), "\(setCookie)")
            cookies.withLock { $0.append(cookie) }
        }
        // A new server on the same database: the session is in the database, not in memory.
        try await Server.run(fixture) { client in
            let cookie = cookies.withLock { $0[0] }
            #expect(try await Self.me(client, cookie)?["username"] as? String == "viewer", "the session survived the restart")
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.cookie: cookie]).status == .ok)
            let out = try await client.execute(uri: "/api/auth/logout", method: .post, headers: Server.session(cookie))
            #expect(out.status == .ok)
            #expect(out.headers[.setCookie]?.contains("timelapser_session=;") == true, "the cookie is cleared")
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.cookie: cookie]).status == .unauthorized)
            #expect(try await Self.me(client, cookie) == nil)

            let again = try await Server.signIn(client, "viewer")
            let admin = try await Server.signIn(client, "admin")
            let users = try await client.execute(uri: "/api/users", method: .get, headers: Server.session(admin))
            let viewerId = try #require((users.json["data"] as? [[String: Any]])?.first { $0["username"] as? String == "viewer" }?["id"] as? Int)
            let revoked = try await client.execute(uri: "/api/users/\(viewerId)/revoke-sessions", method: .post, headers: Server.session(admin))
            #expect(revoked.status == .ok)
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.cookie: again]).status == .unauthorized,
                    "a revoked session is gone at once")
            #expect(try await client.execute(uri: "/api/cameras", method: .get, headers: [.cookie: admin]).status == .ok)
        }
    }

    @Test("30 wrong passwords: 401 then 429 with Retry-After, and the right password is refused until the delay passes; an unknown user costs what a wrong password costs")
    func bruteForce() async throws {
        let fixture = try await TestDatabase.make(.sqlite)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        try await Server.run(fixture) { client in
            func attempt(_ username: String, _ password: String) async throws -> (TestResponse, Duration) {
                let start = ContinuousClock.now
                let response = try await client.execute(uri: "/api/auth/login", method: .post,
                                                        body: Server.json(["username": username, "password": password]))
                return (response, ContinuousClock.now - start)
            }
            // Timing first (8 failures, under the limit), then a success clears the count.
            var unknown: [Duration] = [], wrong: [Duration] = []
            for _ in 0..<4 {
                let (u, tu) = try await attempt("nobody", "wrong password 1")
                let (w, tw) = try await attempt("viewer", "wrong password 1")
                #expect(u.status == .unauthorized && w.status == .unauthorized)
                #expect(String(buffer: u.body) == String(buffer: w.body), "the same answer for an unknown user and a wrong password")
                unknown.append(tu)
                wrong.append(tw)
            }
            let medianUnknown = unknown.sorted()[2], medianWrong = wrong.sorted()[2]
            print("sign-in timing: unknown user median \(medianUnknown), wrong password median \(medianWrong)")
            let ratio = medianUnknown / medianWrong
            #expect(ratio > 0.5 && ratio < 2, "both pay one bcrypt: \(medianUnknown) vs \(medianWrong)")
            _ = try await Server.signIn(client, "viewer")

            var statuses: [HTTPResponse.Status] = []
            var retryAfter: [Int] = []
            for _ in 0..<30 {
                let (response, _) = try await attempt("operator", "not the password")
                statuses.append(response.status)
                if let value = response.headers[.retryAfter].flatMap(Int.init) { retryAfter.append(value) }
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == .unauthorized })
            #expect(statuses.dropFirst(10).allSatisfy { $0 == .tooManyRequests }, "\(statuses)")
            #expect(retryAfter.count == 20 && retryAfter.allSatisfy { $0 > 0 && $0 <= 30 })
            let (right, _) = try await attempt("operator", Server.password)
            #expect(right.status == .tooManyRequests, "even the right password waits for the delay")
            #expect((right.json["details"] as? [String: Any])?["retry_after"] as? Int ?? 0 > 0)
        }
    }

    @Test("until an admin exists every private route answers the setup notice; health and me say so")
    func setupNotice() async throws {
        let fixture = try await TestDatabase.make(.sqlite)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        await fixture.database.close()
        try await Server.run(fixture) { client in
            let cameras = try await client.execute(uri: "/api/cameras", method: .get)
            #expect(cameras.status == .serviceUnavailable)
            #expect((cameras.json["details"] as? [String: Any])?["setup_required"] as? Bool == true)
            let health = try await client.execute(uri: "/api/health", method: .get)
            #expect(health.status == .ok)
            #expect((health.data["auth"] as? [String: Any])?["setup_required"] as? Bool == true)
            #expect((health.data["auth"] as? [String: Any])?["mode"] as? String == "users")
            #expect(try await client.execute(uri: "/", method: .get).status == .ok, "the dashboard's shell loads")
        }
    }

    @Test("a second factor: the code is required once enabled")
    func secondFactor() async throws {
        let fixture = try await TestDatabase.make(.sqlite)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await Server.addUsers(fixture)
        await fixture.database.close()
        try await Server.run(fixture) { client in
            let cookie = try await Server.signIn(client, "operator")
            let setup = try await client.execute(uri: "/api/auth/totp/setup", method: .post, headers: Server.session(cookie))
            let secret = try #require(setup.data["secret"] as? String)
            #expect((setup.data["otpauth_url"] as? String)?.hasPrefix("otpauth://totp/") == true)
            let code = String(format: "%06d", TOTP(secret: secret).compute())
            let bad = try await client.execute(uri: "/api/auth/totp/enable", method: .post, headers: Server.session(cookie),
                                               body: Server.json(["secret": secret, "code": "000000" == code ? "111111" : "000000"]))
            #expect(bad.status == .unprocessableContent)
            let enabled = try await client.execute(uri: "/api/auth/totp/enable", method: .post, headers: Server.session(cookie),
                                                   body: Server.json(["secret": secret, "code": code]))
            #expect(enabled.status == .ok)
            let withoutCode = try await client.execute(uri: "/api/auth/login", method: .post,
                                                       body: Server.json(["username": "operator", "password": Server.password]))
            #expect(withoutCode.status == .unauthorized)
            let withCode = try await client.execute(uri: "/api/auth/login", method: .post, body: Server.json([
                "username": "operator", "password": Server.password, "code": String(format: "%06d", TOTP(secret: secret).compute()),
            ]))
            #expect(withCode.status == .ok)
        }
    }
}
