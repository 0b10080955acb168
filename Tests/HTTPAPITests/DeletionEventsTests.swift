import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

@Suite("Deletions are announced, and served images follow at once")
struct DeletionEventsTests {
    typealias Pipeline = CapturePipelineTests

    @Test("a deleted image is no longer answered from the serving cache, and image_deleted is published",
          arguments: TestEngines.all)
    func deletedImageIsGone(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, _) = try await Pipeline.cameraWithTimelapse(client)
            let id = try #require(try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240)).data["image_id"] as? Int)
            _ = try #require(await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id },
                             "the thumbnail job of image \(id) did not complete")
            let served = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get)
            #expect(served.status == .ok)
            let etag = try #require(served.headers[.eTag])
            let revalidated = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get, headers: [.ifNoneMatch: etag])
            #expect(revalidated.status == .notModified)
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .ok)
            let deleted = await events.next { $0.type == "image_deleted" }
            #expect(deleted?.data["image_id"] as? Int == id)
            let after = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get, headers: [.ifNoneMatch: etag])
            #expect(after.status == .notFound)
        }
    }
}
