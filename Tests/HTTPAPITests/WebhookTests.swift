import AsyncHTTPClient
import Crypto
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import TestSupport
@testable import timelapser
import TimelapserCore

/// Webhooks over real HTTP: CRUD and validation, secrets never shown, URLs masked; deliveries of server events to
/// a real receiver on loopback with their headers and a signature that verifies; retries (500 then 200), a 4xx that
/// fails at once, connection errors until the schedule runs out; the test endpoint; and a delivery that waits in
/// the persisted queue across a restart of the real binary.
@Suite("Webhooks: CRUD, signed deliveries, retries, restart")
struct WebhookTests {
    typealias V = VideoTestSupport

    // MARK: CRUD and validation

    @Test("create, list, get, patch, delete; 422 with details.field on bad url and events; the secret is never returned; URLs masked",
          arguments: TestEngines.all)
    func crud(engine: DatabaseEngine) async throws {
        try await withWebhookServer(engine) { client, _ in
            let secret = "s3cr3t-signing-key"
            let url = "https://hooker:pa55word@hooks.example.com/services/T000/B000/XXXXtoken?key=qqq"
            let created = try await client.execute(uri: "/api/webhooks", method: .post, body: V.json([
                "url": url, "events": ["timelapse_completed", "video_completed"], "secret": secret,
            ]))
            #expect(created.status == .created, "\(created.json)")
            let id = try #require(created.data["id"] as? Int)
            #expect(created.data["url"] as? String == "https://hooker:***@hooks.example.com/***")
            #expect(created.data["events"] as? [String] == ["timelapse_completed", "video_completed"])
            #expect(created.data["has_secret"] as? Bool == true)
            #expect(created.data["enabled"] as? Bool == true)
            #expect(created.data["secret"] == nil)
            Self.expectNoLeak(created, secret: secret, url: url)

            // Loopback and LAN hosts are allowed; enabled can start off.
            let lan = try await client.execute(uri: "/api/webhooks", method: .post, body: V.json([
                "url": "http://192.168.1.20:8123/api/webhook/timelapse", "events": ["disk_low"], "enabled": false,
            ]))
            #expect(lan.status == .created, "\(lan.json)")
            #expect(lan.data["has_secret"] as? Bool == false)
            #expect(lan.data["enabled"] as? Bool == false)
            let loopback = try await client.execute(uri: "/api/webhooks", method: .post, body: V.json([
                "url": "http://127.0.0.1:9/", "events": WebhookEventNames.all,
            ]))
            #expect(loopback.status == .created, "\(loopback.json)")
            #expect(loopback.data["url"] as? String == "http://127.0.0.1:9/")
            #expect(loopback.data["events"] as? [String] == WebhookEventNames.all)

            let list = try await client.execute(uri: "/api/webhooks", method: .get)
            #expect(list.status == .ok)
            let items = list.json["data"] as? [[String: Any]] ?? []
            #expect(items.map { $0["id"] as? Int } == [id, lan.data["id"] as? Int, loopback.data["id"] as? Int])
            Self.expectNoLeak(list, secret: secret, url: url)
            let one = try await client.execute(uri: "/api/webhooks/\(id)", method: .get)
            #expect(one.status == .ok)
            #expect(one.data["has_secret"] as? Bool == true)
            Self.expectNoLeak(one, secret: secret, url: url)

            // Validation: 422 naming the field; nothing is changed.
            let invalid: [([String: Any], String)] = [
                (["events": ["disk_low"]], "url"),
                (["url": "ftp://example.com/x", "events": ["disk_low"]], "url"),
                (["url": "http://", "events": ["disk_low"]], "url"),
                (["url": "not a url", "events": ["disk_low"]], "url"),
                (["url": "mailto:ops@example.com", "events": ["disk_low"]], "url"),
                (["url": "https://example.com/hook"], "events"),
                (["url": "https://example.com/hook", "events": []], "events"),
                (["url": "https://example.com/hook", "events": ["disk_low", "image_captured"]], "events"),
                (["url": "https://example.com/hook", "events": ["nope"]], "events"),
            ]
            for (body, field) in invalid {
                let response = try await client.execute(uri: "/api/webhooks", method: .post, body: V.json(body))
                #expect(response.status == .unprocessableContent, "\(body): \(response.status)")
                #expect((response.json["details"] as? [String: Any])?["field"] as? String == field, "\(body): \(response.json)")
            }
            let badPatch = try await client.execute(uri: "/api/webhooks/\(id)", method: .patch, body: V.json(["events": ["nope"]]))
            #expect(badPatch.status == .unprocessableContent)
            #expect((badPatch.json["details"] as? [String: Any])?["field"] as? String == "events")
            let badURL = try await client.execute(uri: "/api/webhooks/\(id)", method: .patch, body: V.json(["url": "gopher://x"]))
            #expect(badURL.status == .unprocessableContent)
            #expect((badURL.json["details"] as? [String: Any])?["field"] as? String == "url")
            let wrongType = try await client.execute(uri: "/api/webhooks", method: .post, body: V.json(["url": 5, "events": ["disk_low"]]))
            #expect(wrongType.status == .badRequest)
            let afterBad = try await client.execute(uri: "/api/webhooks", method: .get)
            #expect((afterBad.json["data"] as? [[String: Any]])?.count == 3, "refused requests created nothing")

            // PATCH: absent fields stay; events replaced; secret null removes it; enabled off.
            let patched = try await client.execute(uri: "/api/webhooks/\(id)", method: .patch, body: V.json(["events": ["camera_offline", "camera_online"]]))
            #expect(patched.status == .ok, "\(patched.json)")
            #expect(patched.data["events"] as? [String] == ["camera_offline", "camera_online"])
            #expect(patched.data["has_secret"] as? Bool == true)
            #expect(patched.data["url"] as? String == "https://hooker:***@hooks.example.com/***")
            let cleared = try await client.execute(uri: "/api/webhooks/\(id)", method: .patch,
                                                   body: ByteBuffer(string: #"{"secret": null, "enabled": false}"#))
            #expect(cleared.status == .ok, "\(cleared.json)")
            #expect(cleared.data["has_secret"] as? Bool == false)
            #expect(cleared.data["enabled"] as? Bool == false)
            #expect(cleared.data["events"] as? [String] == ["camera_offline", "camera_online"])
            let moved = try await client.execute(uri: "/api/webhooks/\(id)", method: .patch,
                                                 body: V.json(["url": "http://10.0.0.5/hook?token=abc", "secret": "new", "enabled": true]))
            #expect(moved.data["url"] as? String == "http://10.0.0.5/***")
            #expect(moved.data["has_secret"] as? Bool == true)
            #expect(moved.data["enabled"] as? Bool == true)
            #expect(!String(buffer: moved.body).contains("new\""))

            // Delete; then 404 everywhere.
            let deleted = try await client.execute(uri: "/api/webhooks/\(id)", method: .delete)
            #expect(deleted.status == .ok)
            #expect(deleted.data["id"] as? Int == id)
            for (uri, method) in [("/api/webhooks/\(id)", HTTPRequest.Method.get), ("/api/webhooks/\(id)", .delete),
                                  ("/api/webhooks/\(id)", .patch), ("/api/webhooks/\(id)/deliveries", .get),
                                  ("/api/webhooks/\(id)/test", .post), ("/api/webhooks/abc", .get)] {
                let response = try await client.execute(uri: uri, method: method, body: V.json([:]))
                #expect(response.status == .notFound, "\(method) \(uri)")
            }
        }
    }

    static func expectNoLeak(_ response: TestResponse, secret: String, url: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(buffer: response.body)
        #expect(!text.contains(secret), "the secret leaked: \(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("pa55word"), "the URL's password leaked: \(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("XXXXtoken") && !text.contains("key=qqq"), "the URL's token leaked: \(text)", sourceLocation: sourceLocation)
    }

    // MARK: delivery of an event

    @Test("a completed timelapse is delivered: body {event, delivery_id, created_at, data}, headers, a signature that verifies",
          arguments: TestEngines.all)
    func deliversEvent(engine: DatabaseEngine) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await withWebhookServer(engine) { client, _ in
            let secret = "whsec-\(UUID().uuidString)"
            let hook = try await Self.createWebhook(client, url: receiver.url("signed"), events: ["timelapse_completed"], secret: secret)
            let other = try await Self.createWebhook(client, url: receiver.url("videos"), events: ["video_completed"])
            let disabled = try await client.execute(uri: "/api/webhooks", method: .post, body: V.json([
                "url": receiver.url("disabled"), "events": ["timelapse_completed"], "enabled": false,
            ]))
            #expect(disabled.status == .created)

            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            let completed = try await client.execute(uri: "/api/timelapses/\(timelapse)/complete", method: .post)
            #expect(completed.status == .ok, "\(completed.json)")

            let request = try await receiver.waitForRequest(path: "signed")
            #expect(request.method == "POST")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["x-timelapser-event"] == "timelapse_completed")
            let deliveryId = try #require(request.headers["x-timelapser-delivery"])
            #expect(UUID(uuidString: deliveryId) != nil, "delivery id \(deliveryId) is a UUID")
            let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
            #expect(request.headers["x-timelapser-signature"] == expected, "the signature verifies over the raw body")
            let wrong = "sha256=" + HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Data("other".utf8)))
                .map { String(format: "%02x", $0) }.joined()
            #expect(request.headers["x-timelapser-signature"] != wrong)

            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(Set(body.keys) == ["event", "delivery_id", "created_at", "data"])
            #expect(body["event"] as? String == "timelapse_completed")
            #expect(body["delivery_id"] as? String == deliveryId)
            #expect(V.date(body["created_at"]) != nil, "created_at: \(body["created_at"] ?? "nil")")
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["timelapse_id"] as? Int == timelapse)
            #expect(data["camera_id"] as? Int == camera)

            // The delivery is recorded; the webhook that wants other events and the disabled one got nothing.
            var deliveries: [[String: Any]] = []
            try await waitUntil("the delivery to be recorded as delivered") {
                deliveries = try await Self.deliveries(client, hook)
                return deliveries.first?["status"] as? String == "delivered"
            }
            #expect(deliveries.count == 1)
            #expect(deliveries[0]["delivery_id"] as? String == deliveryId)
            #expect(deliveries[0]["event"] as? String == "timelapse_completed")
            #expect(deliveries[0]["attempts"] as? Int == 1)
            #expect(deliveries[0]["last_status_code"] as? Int == 200)
            #expect(deliveries[0]["last_error"] is NSNull)
            #expect(V.date(deliveries[0]["delivered_at"]) != nil)
            #expect(try await Self.deliveries(client, other).isEmpty)
            #expect(try await Self.deliveries(client, try #require(disabled.data["id"] as? Int)).isEmpty)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests(path: "videos").isEmpty && receiver.requests(path: "disabled").isEmpty)
            #expect(receiver.requests(path: "signed").count == 1, "delivered once")
        }
    }

    // MARK: retries, failures, the test endpoint

    @Test("500 then 200 is retried and delivered (same id and body); a 4xx fails at once; connection errors fail after the schedule; test endpoint and deliveries list",
          arguments: TestEngines.all)
    func retries(engine: DatabaseEngine) async throws {
        let receiver = try await WebhookReceiver.start(script: ["flaky": [500, 200], "gone": [410], "down": [500, 502, 503]])
        defer { receiver.stop() }
        try await withWebhookServer(engine, retrySeconds: [1, 1]) { client, _ in
            // Nobody listens on this port: each attempt is a connection error (AsyncHTTPClient keeps trying to connect
            // until the attempt's 10 s run out), to be retried. Queued first: it runs while the rest of the test does.
            let closedPort = TimelapserProcess.freePort()
            let dead = try await Self.createWebhook(client, url: "http://127.0.0.1:\(closedPort)/hook?token=hidden", events: ["disk_low"])
            _ = try await client.execute(uri: "/api/webhooks/\(dead)/test", method: .post)

            // 500, then 200: retried after the first delay and delivered, attempts recorded.
            let flaky = try await Self.createWebhook(client, url: receiver.url("flaky"), events: ["disk_low"])
            let queued = try await client.execute(uri: "/api/webhooks/\(flaky)/test", method: .post)
            #expect(queued.status == .accepted, "\(queued.json)")
            #expect(queued.data["event"] as? String == "webhook_test")
            let deliveryId = try #require(queued.data["delivery_id"] as? String)
            var delivery: [String: Any] = [:]
            try await waitUntil("the flaky delivery to succeed", timeout: .seconds(20)) {
                delivery = try await Self.deliveries(client, flaky).first ?? [:]
                return delivery["status"] as? String == "delivered"
            }
            #expect(delivery["delivery_id"] as? String == deliveryId)
            #expect(delivery["attempts"] as? Int == 2)
            #expect(delivery["last_status_code"] as? Int == 200)
            let received = receiver.requests(path: "flaky")
            #expect(received.count == 2)
            #expect(received.map { $0.headers["x-timelapser-delivery"] } == [deliveryId, deliveryId])
            #expect(received.map { $0.headers["x-timelapser-event"] } == ["webhook_test", "webhook_test"])
            #expect(received.first?.headers["x-timelapser-signature"] == nil, "no secret, no signature")
            #expect(received.count == 2 && received[0].body == received[1].body, "every attempt sends the same bytes")
            if let first = received.first {
                let body = try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any]
                #expect(body?["event"] as? String == "webhook_test")
                #expect((body?["data"] as? [String: Any])?["webhook_id"] as? Int == flaky)
            }
            if received.count == 2 {
                let gap = received[1].at.timeIntervalSince(received[0].at)
                #expect(gap >= 0.9, "the retry waited its delay (\(gap) s)")
            }

            // 410: failed at once, its status recorded.
            let gone = try await Self.createWebhook(client, url: receiver.url("gone"), events: ["disk_low"])
            _ = try await client.execute(uri: "/api/webhooks/\(gone)/test", method: .post)
            try await waitUntil("the 410 delivery to fail") {
                delivery = try await Self.deliveries(client, gone).first ?? [:]
                return delivery["status"] as? String == "failed"
            }
            #expect(delivery["attempts"] as? Int == 1)
            #expect(delivery["last_status_code"] as? Int == 410)
            #expect(delivery["delivered_at"] is NSNull)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(receiver.requests(path: "gone").count == 1, "a 4xx is not retried")

            // 5xx every time: retried per the schedule (1 s, 1 s), then failed after the third attempt.
            let down = try await Self.createWebhook(client, url: receiver.url("down"), events: ["disk_low"])
            _ = try await client.execute(uri: "/api/webhooks/\(down)/test", method: .post)
            try await waitUntil("the always-failing delivery to fail", timeout: .seconds(20)) {
                delivery = try await Self.deliveries(client, down).first ?? [:]
                return delivery["status"] as? String == "failed"
            }
            #expect(delivery["attempts"] as? Int == 3)
            #expect(delivery["last_status_code"] as? Int == 503)
            #expect(receiver.requests(path: "down").count == 3)

            // The connection error: recorded (without the URL's token), and the delivery waits for its retry.
            try await waitUntil("the unreachable delivery's first attempt to end", timeout: .seconds(25)) {
                delivery = try await Self.deliveries(client, dead).first ?? [:]
                return (delivery["last_error"] as? String) != nil
            }
            #expect(delivery["last_status_code"] is NSNull)
            #expect(["pending", "delivering", "failed"].contains(delivery["status"] as? String ?? ""), "\(delivery)")
            let error = delivery["last_error"] as? String ?? ""
            #expect(!error.contains("token=hidden") && !error.contains("/hook"), "the URL's path and query are masked in errors: \(error)")

            // The deliveries list: newest first, with a limit.
            for _ in 0..<3 { _ = try await client.execute(uri: "/api/webhooks/\(flaky)/test", method: .post) }
            try await waitUntil("every flaky delivery to be delivered") {
                let all = try await Self.deliveries(client, flaky)
                return all.count == 4 && all.allSatisfy { $0["status"] as? String == "delivered" }
            }
            let all = try await Self.deliveries(client, flaky)
            let ids = all.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(by: >), "newest first")
            #expect(all.last?["delivery_id"] as? String == deliveryId)
            let limited = try await client.execute(uri: "/api/webhooks/\(flaky)/deliveries?limit=2", method: .get)
            #expect((limited.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == Array(ids.prefix(2)))
            let badLimit = try await client.execute(uri: "/api/webhooks/\(flaky)/deliveries?limit=0", method: .get)
            #expect(badLimit.status == .badRequest)
        }
    }

    // MARK: restart

    @Test("a delivery that failed waits in the persisted queue across a restart of the server and is then delivered",
          arguments: TestEngines.all)
    func survivesRestart(engine: DatabaseEngine) async throws {
        let receiver = try await WebhookReceiver.start(script: ["flaky": [503, 200]])
        defer { receiver.stop() }
        try await withTestDatabase(engine) { t in
            let environment = ["TIMELAPSER_WEBHOOK_RETRY_SECONDS": "4,4"]
            var server = try await VideoLifecycleSupport.Server.start(t, log: "serve-1", environment: environment)
            defer { server.process.signal(SIGKILL) }
            let created = try await server.request(.POST, "/api/webhooks", json: [
                "url": receiver.url("flaky"), "events": ["timelapse_completed"], "secret": "restart-secret",
            ])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.data["id"] as? Int)
            let (_, timelapse) = try await server.cameraWithTimelapse(started: V.earlyStart)
            let completed = try await server.request(.POST, "/api/timelapses/\(timelapse)/complete")
            #expect(completed.status == 200, "\(completed.text)")

            // The first attempt fails (503): the delivery waits for its retry, and the server stops meanwhile.
            let first = try await receiver.waitForRequest(path: "flaky")
            var deliveries: [[String: Any]] = []
            try await server.wait("the failed attempt to be recorded", timeout: .seconds(10)) {
                deliveries = try await server.request(.GET, "/api/webhooks/\(id)/deliveries").list
                return deliveries.first?["status"] as? String == "pending" && deliveries.first?["attempts"] as? Int == 1
            }
            #expect(deliveries.first?["last_status_code"] as? Int == 503)
            server.process.signal(SIGTERM)
            #expect(await server.process.waitForExit(), "the server stops on SIGTERM")
            #expect(receiver.requests(path: "flaky").count == 1, "no second attempt before the restart")

            // The restarted server finds the delivery in the database and delivers it: same id, same signed body.
            server = try await VideoLifecycleSupport.Server.start(t, log: "serve-2", environment: environment)
            try await server.wait("the delivery to succeed after the restart", timeout: .seconds(30)) {
                deliveries = try await server.request(.GET, "/api/webhooks/\(id)/deliveries").list
                return deliveries.first?["status"] as? String == "delivered"
            }
            #expect(deliveries.count == 1)
            #expect(deliveries.first?["attempts"] as? Int == 2)
            #expect(deliveries.first?["last_status_code"] as? Int == 200)
            let received = receiver.requests(path: "flaky")
            #expect(received.count == 2)
            #expect(received.last?.headers["x-timelapser-delivery"] == first.headers["x-timelapser-delivery"])
            #expect(received.last?.body == first.body)
            let signature = "sha256=" + HMAC<SHA256>.authenticationCode(for: first.body, using: SymmetricKey(data: Data("restart-secret".utf8)))
                .map { String(format: "%02x", $0) }.joined()
            #expect(received.last?.headers["x-timelapser-signature"] == signature)
            #expect(!server.process.log.contains("restart-secret"))
            server.process.signal(SIGTERM)
            _ = await server.process.waitForExit()
        }
    }

    // MARK: helpers

    static func createWebhook(_ client: some TestClientProtocol, url: String, events: [String], secret: String? = nil) async throws -> Int {
        var body: [String: Any] = ["url": url, "events": events]
        if let secret { body["secret"] = secret }
        let response = try await client.execute(uri: "/api/webhooks", method: .post, body: V.json(body))
        return try #require(response.data["id"] as? Int, "webhook not created: \(response.status) \(response.json)")
    }

    static func deliveries(_ client: some TestClientProtocol, _ webhook: Int) async throws -> [[String: Any]] {
        let response = try await client.execute(uri: "/api/webhooks/\(webhook)/deliveries", method: .get)
        try #require(response.status == .ok, "\(response.status)")
        return response.json["data"] as? [[String: Any]] ?? []
    }
}

enum WebhookEventNames {
    static let all = ["camera_offline", "camera_online", "timelapse_completed", "video_completed", "video_failed", "disk_low",
                      "thumbnail_job_failed"]
}

/// ``withTestServer(_:apiToken:workers:_:)`` with a chosen webhook retry schedule.
func withWebhookServer(
    _ engine: DatabaseEngine, retrySeconds: [Int] = [10, 60, 600, 3600],
    _ body: @Sendable (any TestClientProtocol, TestDatabase) async throws -> Void
) async throws {
    let fixture = try await TestDatabase.make(engine)
    await fixture.database.close()
    defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
    var configuration = timelapserConfiguration(fixture)
    configuration.webhookRetrySeconds = retrySeconds
    let app = try await buildTestApplication(configuration)
    try await app.test(.live) { client in
        await afterShutdown { try await body(client, fixture) }
    }.get()
}

/// A webhook receiver on loopback (a real Hummingbird server): records every request to `/hooks/{name}` and answers
/// each name's scripted statuses in turn (200 once a script is used up, and for names without one).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var method: String
        /// Lowercased names.
        var headers: [String: String]
        var body: [UInt8]
        var at: Date
    }

    struct State {
        var received: [String: [Received]] = [:]
        var script: [String: [Int]]
    }

    /// What arrived, and what is left of the scripts.
    final class Log: Sendable {
        let state: Mutex<State>
        init(script: [String: [Int]]) { state = Mutex(State(script: script)) }
    }

    let log: Log
    let port: Int
    let task: Task<Void, any Error>

    private init(log: Log, port: Int, task: Task<Void, any Error>) {
        self.log = log
        self.port = port
        self.task = task
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/hooks/\(name)" }

    static func start(script: [String: [Int]] = [:]) async throws -> WebhookReceiver {
        let log = Log(script: script)
        let router = Router()
        router.post("hooks/:name") { request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Received(method: request.method.rawValue, headers: headers, body: Array(body.readableBytesView), at: Date())
            let status = log.state.withLock { state -> Int in
                state.received[name, default: []].append(received)
                return state.script[name]?.isEmpty == false ? state.script[name]!.removeFirst() : 200
            }
            return Response(status: .init(code: status))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw TestSetupError("the webhook receiver did not start")
        }
        return WebhookReceiver(log: log, port: port, task: task)
    }

    func stop() { task.cancel() }

    func requests(path name: String) -> [Received] { log.state.withLock { $0.received[name] ?? [] } }

    /// The first request to `name`, waiting for it.
    func waitForRequest(path name: String, timeout: Duration = .seconds(20)) async throws -> Received {
        try await waitUntil("a webhook request to /hooks/\(name)", timeout: timeout) { !requests(path: name).isEmpty }
        return requests(path: name)[0]
    }
}
