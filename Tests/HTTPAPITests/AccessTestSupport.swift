import Access
import Database
import Foundation
@testable import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport
@testable import timelapser
import TimelapserCore

/// A server in users mode over real HTTP, with one user per role made before it starts, and the means to sign in.
struct UsersModeServer {
    static let password = "correct horse battery"
    static let roles: [Role] = [.admin, .operator, .viewer]

    static func configuration(_ fixture: TestDatabase) -> AppConfiguration {
        var configuration = timelapserConfiguration(fixture)
        configuration.authMode = .users
        return configuration
    }

    /// Adds `admin`, `operator` and `viewer` (each named after its role) to the fixture's database.
    static func addUsers(_ fixture: TestDatabase) async throws {
        var logger = Logger(label: "test-users")
        logger.logLevel = .warning
        let access = AccessService(database: fixture.database, logger: logger)
        try await fixture.database.withRunningClient {
            for role in roles { try await access.addUser(username: role.rawValue, password: password, role: role) }
        }
    }

    /// Runs a users-mode server on the fixture (its database closed first: the server opens its own).
    static func run(_ fixture: TestDatabase, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildTestApplication(configuration(fixture))
        try await app.test(.live) { client in await afterShutdown { try await body(client) } }.get()
    }

    /// Signs in and returns the `Cookie` header value of the session.
    static func signIn(_ client: any TestClientProtocol, _ username: String, password: String = password) async throws -> String {
        let response = try await client.execute(uri: "/api/auth/login", method: .post,
                                                body: json(["username": username, "password": password]))
        guard response.status == .ok, let setCookie = response.headers[.setCookie],
              let pair = setCookie.split(separator: ";").first else {
            throw TestSetupError("sign-in of \(username) failed: \(response.status) \(String(buffer: response.body))")
        }
        return String(pair)
    }

    /// Headers of a browser's same-origin request with the session (the test client calls the server `localhost`).
    static func session(_ cookie: String) -> HTTPFields {
        [.cookie: cookie, .origin: "http://localhost"]
    }

    static func json(_ object: [String: Any]) -> ByteBuffer { ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)) }
}
