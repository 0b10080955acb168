import Crypto
@testable import Database
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport
@testable import timelapser
import TimelapserCore

/// Two complete `serve` applications on one PostgreSQL database, as behind a load balancer: what one does reaches
/// the other's SSE clients once, a webhook gets each event once (not once per server), and regeneration progress,
/// which every server's monitor publishes itself, is not doubled by the relay.
@Suite("Two servers on one database", .serialized)
struct TwoServerEventsTests {
    typealias V = VideoTestSupport

    static func withTwoServers(_ fixture: TestDatabase,
                               _ body: @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "two-servers")
        logger.logLevel = .warning
        let first = buildApplication(try await Composition.make(timelapserConfiguration(fixture), logger: logger))
        let second = buildApplication(try await Composition.make(timelapserConfiguration(fixture), logger: logger))
        try await first.test(.live) { a in
            await afterShutdown {
                try await second.test(.live) { b in await afterShutdown { try await body(a, b) } }.get()
            }
        }.get()
    }

    @Test("a timelapse completed on one server: the other's SSE sees it once, a webhook gets one delivery; regeneration progress is not doubled",
          .enabled(if: TestEngines.all.contains(.postgresql)))
    func exactlyOnce() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestDatabase.make(.postgresql).run { fixture in
            try await Self.withTwoServers(fixture) { a, b in
                let eventsB = try await EventStreamClient(port: try #require(b.port))
                defer { eventsB.close() }
                let secret = "whsec-two"
                _ = try await WebhookTests.createWebhook(a, url: receiver.url("both"), events: ["timelapse_completed"], secret: secret)
                let (camera, timelapse) = try await V.cameraWithTimelapse(a)
                let start = V.utc(2026, 2, 1, 12, 0)
                _ = try await V.postFrames(a, camera: camera, at: (0..<12).map { start.addingTimeInterval(Double($0) * 60) }) { V.scene(seed: $0) }
                try await V.waitForThumbnails(a, timelapse: timelapse, count: 12)

                // Regenerate everything from server A; server B's clients see its progress without duplicates.
                let regenerate = try await a.execute(uri: "/api/thumbnails/regenerate-all", method: .post, body: V.json(["force": true]))
                #expect(regenerate.status == .accepted, "\(regenerate.json)")
                var progress: [String] = []
                var ended = false
                while let event = await eventsB.next(timeout: .seconds(60), where: { $0.type.hasPrefix("thumbnail_regeneration") }) {
                    if event.type == "thumbnail_regeneration_progress" { progress.append(event.raw) }
                    if event.type == "thumbnail_regeneration_completed" { ended = true; break }
                }
                #expect(ended, "the end of the session reaches server B")
                // B's own monitor publishes a progress event only when the counts change; a relayed copy of A's would
                // repeat one.
                #expect(Set(progress).count == progress.count, "no progress event twice: \(progress)")
                #expect(await eventsB.next(timeout: .milliseconds(500)) { $0.type == "thumbnail_regeneration_completed" } == nil,
                        "the end arrives once")

                #expect(try await a.execute(uri: "/api/timelapses/\(timelapse)/complete", method: .post).status == .ok)
                let completed = await eventsB.next(timeout: .seconds(20)) { $0.type == "timelapse_completed" }
                #expect(completed?.data["timelapse_id"] as? Int == timelapse)
                _ = try await receiver.waitForRequest(path: "both")
                // Both servers run the webhook subscriber and hear the event; give the second one time to try.
                try await Task.sleep(for: .seconds(2))
                #expect(await eventsB.next(timeout: .milliseconds(300)) { $0.type == "timelapse_completed" } == nil, "once on B")
                #expect(receiver.requests(path: "both").count == 1, "one delivery, not one per server")
            }
        }
    }
}
