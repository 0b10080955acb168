import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

@Suite("Events are one typed enum on the wire, and image responses are counted")
struct TypedEventsTests {
    typealias Pipeline = CapturePipelineTests

    @Test("every event of a capture, a completion, a verify and a deletion decodes to ServerEvent and re-encodes byte for byte",
          arguments: TestEngines.all)
    func wireFormatRoundTrips(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client)
            let id = try #require(try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240)).data["image_id"] as? Int)
            var received: [ReceivedEvent] = []
            func receive(_ kind: ServerEvent.Kind) async throws {
                received.append(try #require(await events.next(timeout: .seconds(20)) { $0.type == kind.rawValue }, "no \(kind.rawValue)"))
            }
            try await receive(.imageCaptured)
            try await receive(.thumbnailJobCompleted)
            _ = try await client.execute(uri: "/api/timelapses/\(timelapse)/thumbnails/verify", method: .post)
            try await receive(.thumbnailsVerified)
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .ok)
            try await receive(.imageDeleted)
            for event in received {
                let typed = try #require(event.event, "\(event.type) does not decode: \(event.raw)")
                #expect(typed.kind.rawValue == event.type)
                #expect(typed.data == event.raw, "re-encoding \(event.type) changed it")
            }
            guard case .imageCaptured(let captured)? = received[0].event, case .thumbnailJobCompleted(let completed)? = received[1].event,
                  case .thumbnailsVerified(let verified)? = received[2].event, case .imageDeleted(let deleted)? = received[3].event
            else { Issue.record("unexpected cases"); return }
            #expect(captured.imageId == Int64(id) && captured.cameraId == Int64(camera) && captured.thumbnailJobId != nil)
            #expect(completed.imageId == Int64(id) && completed.thumbnailUrl == ImageURL.variant(imageId: Int64(id), .thumbnail, generation: 1))
            #expect(verified.timelapseId == Int64(timelapse) && verified.totalImages == 1)
            #expect(deleted.imageId == Int64(id) && deleted.timelapseId == Int64(timelapse))
            // Keys whose value is absent are still sent, as null.
            #expect(received[2].raw.contains("\"timelapse_id\":\(timelapse)"))
            #expect(received[0].data.keys.sorted() == ["camera_id", "captured_at", "day_number", "image_id", "thumbnail_job_id", "timelapse_id"])
        }
    }

    @Test("a payload without a value keeps its key as null")
    func nullsStay() throws {
        let event = ServerEvent.thumbnailsVerified(ThumbnailsVerified(
            timelapseId: nil, totalImages: 0, validThumbnails: 0, validSmalls: 0, missingThumbnails: 0, missingSmalls: 0,
            countsUpdated: false))
        #expect(event.data.contains("\"timelapse_id\":null"))
        #expect(try ServerEvent(kind: .thumbnailsVerified, data: event.data) == event)
        let all = ServerEvent.Kind.allCases.map(\.rawValue)
        #expect(Set(all).count == all.count)
    }

    /// The value of one Prometheus sample line (0 when absent).
    static func sample(_ text: String, _ prefix: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last!) } ?? 0
    }

    @Test("timelapser_served_responses_total counts image responses by served variant and status")
    func servedResponsesAreCounted() async throws {
        try await withTestServer(.sqlite) { client, _ in
            func metrics() async throws -> String {
                String(decoding: try await client.execute(uri: "/metrics", method: .get).body.readableBytesView, as: UTF8.self)
            }
            let thumb200 = #"timelapser_served_responses_total{variant="thumbnail",status="200"}"#
            let thumb304 = #"timelapser_served_responses_total{variant="thumbnail",status="304"}"#
            let placeholder = #"timelapser_served_responses_total{variant="placeholder",status="200"}"#
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, _) = try await Pipeline.cameraWithTimelapse(client)
            let before = try await metrics()
            #expect(try await client.execute(uri: "/api/cameras/\(camera)/latest-image/thumbnail", method: .get).status == .ok)
            let id = try #require(try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240)).data["image_id"] as? Int)
            _ = try #require(await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_job_completed" })
            let served = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get)
            #expect(served.status == .ok)
            let etag = try #require(served.headers[.eTag])
            #expect(try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get, headers: [.ifNoneMatch: etag]).status == .notModified)
            let after = try await metrics()
            #expect(Self.sample(after, thumb200) >= Self.sample(before, thumb200) + 1, "\(after)")
            #expect(Self.sample(after, thumb304) >= Self.sample(before, thumb304) + 1)
            #expect(Self.sample(after, placeholder) >= Self.sample(before, placeholder) + 1)
        }
    }
}
