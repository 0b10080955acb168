import Database
import Events
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport
@testable import timelapser
import TimelapserCore

/// The `: heartbeat` comment of `GET /api/events` on an idle stream.
@Suite("SSE heartbeat on an idle stream")
struct EventStreamHeartbeatTests {
    static func heartbeats(_ transcript: String) -> Int {
        transcript.components(separatedBy: SSEFraming.heartbeat).count - 1
    }

    /// The production stream: `EventsController`'s heartbeat is 15 s, so this test waits up to 45 s for it.
    @Test("the real server sends `: heartbeat` on an idle stream, after the preamble and nothing else")
    func productionHeartbeat() async throws {
        try await withTestServer(.sqlite) { client, _ in
            let stream = try await EventStreamClient(port: try #require(client.port))
            defer { stream.close() }
            try await waitUntil("a heartbeat on the idle stream", timeout: .seconds(45), interval: .milliseconds(100)) {
                Self.heartbeats(stream.transcript) >= 1
            }
            #expect(stream.transcript.hasPrefix(SSEFraming.preamble + SSEFraming.heartbeat), "\(stream.transcript)")
            #expect(!stream.transcript.contains("event:"))
        }
    }

    /// The same controller with a short interval, on the real composition's bus: heartbeats keep coming, and an
    /// event published meanwhile is framed between them.
    @Test("heartbeats repeat on an idle stream and interleave with events")
    func repeatedHeartbeats() async throws {
        try await withEventsController({ EventsController(services: $0, heartbeatInterval: .milliseconds(100)) }) { client, events in
            let stream = try await EventStreamClient(port: try #require(client.port))
            defer { stream.close() }
            try await waitUntil("three heartbeats") { Self.heartbeats(stream.transcript) >= 3 }
            let idle = stream.transcript
            #expect(idle.hasPrefix(SSEFraming.preamble + SSEFraming.heartbeat))
            #expect(!idle.contains("event:") && !idle.contains("data:"), "an idle stream carries only heartbeats: \(idle)")

            await events.publish(.cameraDeleted(CameraDeleted(cameraId: 42)))
            let event = await stream.next { $0.type == "camera_deleted" }
            #expect(event?.event == .cameraDeleted(CameraDeleted(cameraId: 42)))
            let seen = Self.heartbeats(stream.transcript)
            try await waitUntil("a heartbeat after the event") { Self.heartbeats(stream.transcript) > seen }
            let afterEvent = try #require(stream.transcript.range(of: "event: camera_deleted\n"))
            #expect(stream.transcript[afterEvent.upperBound...].contains(SSEFraming.heartbeat))
        }
    }
}

/// A client of `GET /api/events` that sends its request and then never reads.
@Suite("SSE: a client that stops reading is dropped")
struct StalledEventClientTests {
    /// Connects with a tiny receive buffer, sends the request, and reads nothing until asked to.
    final class StalledClient: Sendable {
        let connection: RawHTTPConnection
        var descriptor: Int32 { connection.descriptor }

        init(port: Int) throws {
            connection = try RawHTTPConnection(port: port, receiveBuffer: 4096)
            try connection.send("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        }

        /// Reads until `marker` has arrived (the response's start); false after `timeout`.
        func readUntil(_ marker: String, timeout: Duration) -> Bool {
            let deadline = ContinuousClock.now + timeout
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1)
            while ContinuousClock.now < deadline {
                let n = recv(descriptor, &buffer, 1, 0)
                if n == 0 { return false }
                if n < 0 { continue }
                received.append(buffer[0])
                if String(decoding: received, as: UTF8.self).hasSuffix(marker) { return true }
            }
            return false
        }

        /// Reads until the chunked response ends (the server finished the stream) or `timeout` passes.
        func readToEnd(timeout: Duration) -> (bytes: Int, ended: Bool) {
            let deadline = ContinuousClock.now + timeout
            var tail: [UInt8] = []
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 65536)
            while ContinuousClock.now < deadline {
                let n = recv(descriptor, &buffer, buffer.count, 0)
                if n == 0 { return (total, true) }
                if n < 0 { continue }  // the receive timeout: look at the clock again
                total += n
                tail = Array((tail + buffer[0..<n]).suffix(5))
                if tail == Array("0\r\n\r\n".utf8) { return (total, true) }
            }
            return (total, false)
        }
    }

    @Test("events pile up for a client that never reads only up to its buffer; then its stream ends")
    func stalledClientIsDropped() async throws {
        try await withEventsController({ EventsController(services: $0, clientBuffer: 64) }) { client, events in
            let stalled = try StalledClient(port: try #require(client.port))
            // The preamble is written once the stream is subscribed; from here on the client reads nothing.
            #expect(await blockingCall { stalled.readUntil(SSEFraming.preamble, timeout: .seconds(20)) })
            // Far more than a socket's buffers hold: 20,000 events of about 2 KB.
            let failure = String(repeating: "x", count: 2000)
            let count = 20_000
            for i in 0..<count {
                await events.publish(.thumbnailJobFailed(ThumbnailJobFailed(
                    jobId: Int64(i), imageId: 1, error: failure, willRetry: false, retryCount: 0)))
            }
            let (bytes, ended) = await blockingCall { stalled.readToEnd(timeout: .seconds(90)) }
            #expect(ended, "the stalled client's stream never ended")
            #expect(bytes < count * 4000 / 2, "the stalled client was sent \(bytes) bytes: nothing was dropped")
            // The server goes on serving: a new client gets the next event.
            let reader = try await EventStreamClient(port: try #require(client.port))
            defer { reader.close() }
            await events.publish(.cameraDeleted(CameraDeleted(cameraId: 7)))
            #expect(await reader.next(timeout: .seconds(20)) { $0.type == "camera_deleted" }?.event == .cameraDeleted(CameraDeleted(cameraId: 7)))
        }
    }
}

/// Serves `EventsController` alone, built by `controller` (a short heartbeat, a small client buffer), on the real
/// composition's bus; `body` gets the client and the bus to publish on.
func withEventsController(_ controller: @escaping @Sendable (APIServices) -> EventsController,
                          _ body: @escaping @Sendable (any TestClientProtocol, EventBus) async throws -> Void) async throws {
    try await TestDatabase.make(.sqlite).run { fixture in
        var logger = Logger(label: "events")
        logger.logLevel = .warning
        let composition = try await Composition.make(timelapserConfiguration(fixture), logger: logger)
        let router = Router(context: AppRequestContext.self)
        controller(composition.apiServices).addRoutes(to: AccessRoutes(group: router.group("api"), prefix: "/api", table: AccessTable()))
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              services: composition.infrastructureServices, logger: logger)
        try await app.test(.live) { client in
            await afterShutdown { try await body(client, composition.events) }
        }.get()
    }
}
