import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

@Suite("Settings rules for variants, with the real worker")
struct SettingsRulesTests {
    typealias Pipeline = CapturePipelineTests

    /// Posts a frame and waits for its job to complete; returns the image id.
    static func capture(_ client: some TestClientProtocol, _ events: EventStreamClient, camera: Int, at: String) async throws -> Int {
        let response = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 960, height: 540, seed: at.hashValue), at: at)
        #expect(response.status == .created)
        let id = try #require(response.data["image_id"] as? Int)
        let done = await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id }
        #expect(done != nil, "job of image \(id) did not complete")
        return id
    }

    static func files(_ fixture: TestDatabase, camera: Int, timelapse: Int, _ kind: VariantKind) -> Set<String> {
        let dir = fixture.layout.root + "/" + DataLayout.timelapseDirectory(cameraId: Int64(camera), timelapseId: Int64(timelapse))
            + "/" + DataLayout.variantFolderName(kind)
        return Set(((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") })
    }

    /// The timelapse's counts equal what is on disk and what the rows point at.
    static func expectCountsMatchDisk(_ client: some TestClientProtocol, _ fixture: TestDatabase, camera: Int, timelapse: Int,
                                      thumbnails: Int, smalls: Int) async throws {
        let tl = try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data
        #expect(tl["thumbnail_count"] as? Int == thumbnails)
        #expect(tl["small_count"] as? Int == smalls)
        #expect(files(fixture, camera: camera, timelapse: timelapse, .thumbnail).count == thumbnails)
        #expect(files(fixture, camera: camera, timelapse: timelapse, .small).count == smalls)
        let images = try await client.execute(uri: "/api/timelapses/\(timelapse)/images?limit=1000", method: .get).json["data"] as? [[String: Any]] ?? []
        #expect(images.filter { $0["thumbnail_path"] is String }.count == thumbnails)
        #expect(images.filter { $0["small_path"] is String }.count == smalls)
    }

    @Test("small_generation_mode none, latest_only, all; purge on completion", arguments: TestEngines.all)
    func modes(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client)

            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["small_generation_mode": "none"]))
            let a = try await Self.capture(client, events, camera: camera, at: "2026-03-02T10:00:00Z")
            let imageA = try await client.execute(uri: "/api/images/\(a)", method: .get).data
            #expect(imageA["thumbnail_path"] is String)
            #expect(imageA["small_path"] is NSNull)
            try await Self.expectCountsMatchDisk(client, fixture, camera: camera, timelapse: timelapse, thumbnails: 1, smalls: 0)

            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["small_generation_mode": "latest_only"]))
            let b = try await Self.capture(client, events, camera: camera, at: "2026-03-02T10:05:00Z")
            let c = try await Self.capture(client, events, camera: camera, at: "2026-03-02T10:10:00Z")
            #expect(try await client.execute(uri: "/api/images/\(b)", method: .get).data["small_path"] is NSNull, "previous small cleared")
            #expect(try await client.execute(uri: "/api/images/\(c)", method: .get).data["small_path"] is String)
            #expect(Self.files(fixture, camera: camera, timelapse: timelapse, .small) == ["timelapse-\(timelapse)_small_day002_101000.jpg"])
            try await Self.expectCountsMatchDisk(client, fixture, camera: camera, timelapse: timelapse, thumbnails: 3, smalls: 1)

            _ = try await client.execute(uri: "/api/settings", method: .patch,
                                         body: Pipeline.json(["small_generation_mode": "all", "purge_smalls_on_completion": true]))
            _ = try await Self.capture(client, events, camera: camera, at: "2026-03-02T10:15:00Z")
            try await Self.expectCountsMatchDisk(client, fixture, camera: camera, timelapse: timelapse, thumbnails: 4, smalls: 2)

            let completed = try await client.execute(uri: "/api/timelapses/\(timelapse)/complete", method: .post)
            #expect(completed.status == .ok, "\(completed.json)")
            #expect(completed.data["small_count"] as? Int == 0)
            try await Self.expectCountsMatchDisk(client, fixture, camera: camera, timelapse: timelapse, thumbnails: 4, smalls: 0)
            // Frames are never touched by variant rules.
            #expect(Pipeline.framesOnDisk(fixture, camera: camera, timelapse: timelapse).count == 4)
        }
    }

    @Test("regenerating an image bumps its generation and keeps counts", arguments: TestEngines.all)
    func regenerate(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client)
            let id = try await Self.capture(client, events, camera: camera, at: "2026-03-02T10:00:00Z")
            let accepted = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
            #expect(accepted.status == .accepted)
            let done = await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id }
            #expect((done?.data["thumbnail_url"] as? String)?.hasSuffix("?v=2") == true)
            let jobs = try await client.execute(uri: "/api/thumbnails/jobs?image_id=\(id)", method: .get).json["data"] as? [[String: Any]]
            #expect(jobs?.first?["priority"] as? String == "high")
            try await Self.expectCountsMatchDisk(client, fixture, camera: camera, timelapse: timelapse, thumbnails: 1, smalls: 1)
        }
    }

    @Test("a frame that cannot be decoded fails its job with the reason, and the server carries on", arguments: TestEngines.all)
    func failedJob(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, _) = try await Pipeline.cameraWithTimelapse(client)
            let response = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240))
            let id = try #require(response.data["image_id"] as? Int)
            _ = try #require(await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id },
                             "the first thumbnail job of image \(id) did not complete")
            // The frame is damaged on disk after capture (disk error, manual edit): regeneration must fail cleanly.
            let path = fixture.layout.root + "/" + (response.data["file_path"] as! String)
            try Data("not a jpeg any more".utf8).write(to: URL(fileURLWithPath: path))
            _ = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
            let failed = await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_job_failed" }
            #expect(failed?.data["image_id"] as? Int == id)
            #expect((failed?.data["error"] as? String)?.contains("not_jpeg") == true)
            #expect(failed?.data["will_retry"] as? Bool == false)
            let jobs = try await client.execute(uri: "/api/thumbnails/jobs?status=failed", method: .get).json["data"] as? [[String: Any]]
            #expect(jobs?.first?["error_message"] is String)
            let health = try await client.execute(uri: "/api/health", method: .get)
            #expect((health.data["queue"] as? [String: Any])?["failed"] as? Int == 1)
            // The old thumbnail still stands (files first, rows after: nothing half-done).
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .get).data["thumbnail_path"] is String)
        }
    }
}
