import Crypto
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

@Suite("A camera going down and up reaches webhooks")
struct OutageWebhookTests {
    typealias Outages = CameraOutageTests

    @Test("a camera stopped for several intervals: one outage span, camera_offline and camera_online delivered with signatures that verify",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason), arguments: TestEngines.all)
    func outageDelivered(engine: DatabaseEngine) async throws {
        let tools = try CaptureTools.require()
        let snapshots = try await SnapshotTestServer.start(python: tools.python, files: ["scene.jpg": TestFrames.scene(width: 320, height: 240)])
        defer { snapshots.stop() }
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await withWebhookServer(engine) { client, _ in
            let secret = "whsec-\(UUID().uuidString)"
            let hook = try await WebhookTests.createWebhook(client, url: receiver.url("camera"), events: ["camera_offline", "camera_online"],
                                                            secret: secret)
            let (cameraId, timelapseId) = try await Outages.cameraWithTimelapse(client, port: snapshots.port)
            try await waitUntil("a first frame is stored", timeout: .seconds(60)) { try await Outages.imageCount(client, timelapseId) >= 1 }

            let down = Date()
            try snapshots.hide("scene.jpg")
            let offline = try await receiver.waitForRequest(path: "camera", timeout: .seconds(60))
            // Several more intervals down, then back.
            try await Task.sleep(for: .seconds(3))
            let up = Date()
            try snapshots.show("scene.jpg")
            try await waitUntil("camera_online is delivered", timeout: .seconds(60)) { receiver.requests(path: "camera").count >= 2 }
            let requests = receiver.requests(path: "camera")
            #expect(requests.count == 2, "one offline, one online: \(requests.map { $0.headers["x-timelapser-event"] ?? "?" })")
            #expect(requests.map { $0.headers["x-timelapser-event"] } == ["camera_offline", "camera_online"])
            for request in requests {
                let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Data(secret.utf8)))
                    .map { String(format: "%02x", $0) }.joined()
                #expect(request.headers["x-timelapser-signature"] == expected, "the signature verifies over the raw body")
            }
            let offlineData = try #require((try JSONSerialization.jsonObject(with: Data(offline.body)) as? [String: Any])?["data"] as? [String: Any])
            let onlineData = try #require((try JSONSerialization.jsonObject(with: Data(requests[1].body)) as? [String: Any])?["data"] as? [String: Any])
            #expect(offlineData["camera_id"] as? Int == cameraId)
            #expect(offlineData["outage_id"] as? Int == onlineData["outage_id"] as? Int)
            #expect(offlineData["ended_at"] is NSNull)

            // The one span has the bounds the test saw.
            let spans = try await Outages.outages(client, cameraId)
            #expect(spans.count == 1, "\(spans)")
            let started = try #require(Outages.date(spans.first?["started_at"]))
            let ended = try #require(Outages.date(spans.first?["ended_at"]))
            #expect(started >= down.addingTimeInterval(-0.001) && started <= offline.at)
            #expect(ended >= up.addingTimeInterval(-0.001) && ended <= requests[1].at)
            #expect((spans.first?["failed_grabs"] as? Int ?? 0) >= 2)
            // The receiver answered; the worker records each delivery right after.
            var deliveries: [[String: Any]] = []
            try await waitUntil("both deliveries recorded as delivered") {
                deliveries = try await WebhookTests.deliveries(client, hook)
                return deliveries.count == 2 && deliveries.allSatisfy { $0["status"] as? String == "delivered" }
            }
            #expect(deliveries.count == 2, "\(deliveries)")
        }
    }
}
