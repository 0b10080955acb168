import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// What the dashboard's player and grid read: each frame's ThumbHash (image JSON, batch items, latest image, the
/// completion event; backfilled by regeneration) and a timelapse's compact timeline.
@Suite("Viewer API: ThumbHash placeholders and the timeline")
struct ViewerAPITests {
    static func thumbhash(_ value: Any?) -> [UInt8]? {
        (value as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init)
    }

    @Test("thumbhash in image JSON, batch, latest image and the event; NULL rows get theirs back from a regeneration",
          arguments: TestEngines.all)
    func thumbhashEverywhere(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, _) = try await CapturePipelineTests.cameraWithTimelapse(client)
            let posted = try await CapturePipelineTests.post(client, camera: camera, TestFrames.scene(width: 1024, height: 768))
            let id = try #require(posted.data["image_id"] as? Int)
            let completed = await events.next(timeout: .seconds(30)) {
                $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id
            }
            let image = try await client.execute(uri: "/api/images/\(id)", method: .get).data
            let hash = try #require(Self.thumbhash(image["thumbhash"]), "image JSON carries a base64 thumbhash: \(image)")
            #expect(hash.count >= 20 && hash.count <= 25, "\(hash.count) bytes")
            #expect(hash[4] >> 7 == 1, "the 1024×768 frame's hash is landscape")

            #expect(Self.thumbhash(completed?.data["thumbhash"]) == hash, "the event carries the same hash")

            let batch = try await client.execute(uri: "/api/images/batch?ids=\(id),999999&size=small", method: .get).data
            let item = try #require((batch["images"] as? [[String: Any]])?.first)
            #expect(Self.thumbhash(item["thumbhash"]) == hash)
            let latest = try await client.execute(uri: "/api/cameras/\(camera)/latest-image", method: .get).data
            #expect(Self.thumbhash(latest["thumbhash"]) == hash)
            #expect(Self.thumbhash((latest["image"] as? [String: Any])?["thumbhash"]) == hash)

            // A frame from before placeholders existed: null, then its regeneration fills it in.
            try await ImageServingTests.sql(fixture, "UPDATE images SET thumbhash = NULL")
            let cleared = try await client.execute(uri: "/api/images/\(id)", method: .get).data
            #expect(cleared.keys.contains("thumbhash") && cleared["thumbhash"] is NSNull, "null, not left out")
            let queued = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
            #expect(queued.status == .accepted)
            let again = await events.next(timeout: .seconds(30)) {
                $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id
            }
            #expect(Self.thumbhash(again?.data["thumbhash"]) == hash, "same pixels, same hash")
            let refilled = try await client.execute(uri: "/api/images/\(id)", method: .get).data
            #expect(Self.thumbhash(refilled["thumbhash"]) == hash)
        }
    }

    @Test("the timeline lists every frame's id and capture time in capture order, with the camera's interval",
          arguments: TestEngines.all)
    func timeline(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let (camera, timelapse) = try await CapturePipelineTests.cameraWithTimelapse(client)
            let moments = ["2026-03-02T14:30:22Z", "2026-03-01T09:00:00Z", "2026-03-02T08:15:00Z"]
            var ids: [String: Int] = [:]
            for (seed, at) in moments.enumerated() {
                let posted = try await CapturePipelineTests.post(client, camera: camera, TestFrames.scene(width: 640, height: 480, seed: seed),
                                                                at: at)
                ids[at] = try #require(posted.data["image_id"] as? Int)
            }
            let response = try await client.execute(uri: "/api/timelapses/\(timelapse)/timeline", method: .get)
            #expect(response.status == .ok)
            let timeline = response.data
            let ordered = moments.sorted()
            #expect(timeline["count"] as? Int == 3)
            #expect(timeline["timelapse_id"] as? Int == timelapse)
            #expect(timeline["image_ids"] as? [Int] == ordered.map { ids[$0]! }, "capture order, not insertion order")
            let expected = ordered.map { Int(ISO8601DateFormatter().date(from: $0)!.timeIntervalSince1970) }
            #expect(timeline["captured_at"] as? [Int] == expected)
            #expect(timeline["capture_interval_seconds"] as? Int == 300)
            #expect((timeline["outages"] as? [Any])?.isEmpty == true)
            #expect(try await client.execute(uri: "/api/timelapses/987654/timeline", method: .get).status == .notFound)
        }
    }
}
