import Database
import DataDirectory
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
@testable import timelapser
import TimelapserCore

/// Runs the real application (the one `timelapser serve` builds) on a fresh database and data directory,
/// over real HTTP on loopback.
func withTestServer(
    _ engine: DatabaseEngine, apiToken: String? = nil, workers: Int = 2,
    _ body: @Sendable (any TestClientProtocol, TestDatabase) async throws -> Void
) async throws {
    let fixture = try await TestDatabase.make(engine)
    await fixture.database.close()
    defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
    let app = try await buildTestApplication(timelapserConfiguration(fixture, apiToken: apiToken, workers: workers))
    try await app.test(.live) { client in
        await afterShutdown { try await body(client, fixture) }
    }.get()
}

/// Runs a test body inside `app.test`, holding back its error until the application has shut down: an error thrown
/// out of `app.test` skips the graceful shutdown, and the SQLite connections left open then trip SQLiteNIO's
/// "not closed before deinitializing" assertion, which crashes the whole test process instead of failing one test.
func afterShutdown<R: Sendable>(_ body: () async throws -> R) async -> Result<R, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

extension TestResponse {
    /// The decoded JSON body.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// `data` of a success envelope, as an object.
    var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
}

func timelapserConfiguration(_ fixture: TestDatabase, apiToken: String? = nil, workers: Int = 2) -> AppConfiguration {
    AppConfiguration(host: "127.0.0.1", port: 0, layout: fixture.layout, database: fixture.location,
                     workers: workers, apiToken: apiToken)
}

func buildTestApplication(_ configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "test-server")
    logger.logLevel = .warning
    return try await buildApplication(configuration, logger: logger)
}

/// The routes the real router registers, as (lowercased method, OpenAPI path).
enum RouteListing {
    static func routes(_ engine: DatabaseEngine) async throws -> [(String, String)] {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        var logger = Logger(label: "routes")
        logger.logLevel = .warning
        let composition = try await Composition.make(timelapserConfiguration(fixture), logger: logger)
        let router = HTTPAPI.buildRouter(composition.apiServices)
        let routes = router.routes.map { route -> (String, String) in
            let parts = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return (route.method.rawValue.lowercased(), "/" + parts.joined(separator: "/"))
        }
        await composition.database.close()
        await fixture.database.close()
        return routes
    }
}

