import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

@Suite("Capture ingest and the thumbnail pipeline over real HTTP")
struct CapturePipelineTests {
    static func json(_ object: [String: Any]) -> ByteBuffer { ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)) }

    /// A camera with a running timelapse; returns (camera id, timelapse id).
    static func cameraWithTimelapse(_ client: some TestClientProtocol, started: String = "2026-03-01T08:00:00Z",
                                    body: [String: Any] = ["name": "cam"]) async throws -> (Int, Int) {
        let camera = try await client.execute(uri: "/api/cameras", method: .post, body: json(body))
        let cameraId = try #require(camera.data["id"] as? Int)
        let timelapse = try await client.execute(uri: "/api/cameras/\(cameraId)/timelapses", method: .post,
                                                 body: json(["started_at": started]))
        return (cameraId, try #require(timelapse.data["id"] as? Int))
    }

    static func post(_ client: some TestClientProtocol, camera: Int, _ bytes: [UInt8], at: String? = "2026-03-02T14:30:22Z",
                     contentType: String = "image/jpeg") async throws -> TestResponse {
        let query = at.map { "?captured_at=\($0)" } ?? ""
        return try await client.execute(uri: "/api/cameras/\(camera)/captures\(query)", method: .post,
                                        headers: [.contentType: contentType], body: ByteBuffer(bytes: bytes))
    }

    /// The frames stored in a timelapse's folder. A capture in flight stages its bytes in a temp file (`.tmp.…`)
    /// while corruption detection runs, named only once accepted: those are not frames.
    static func framesOnDisk(_ fixture: TestDatabase, camera: Int, timelapse: Int) -> [String] {
        let dir = fixture.layout.root + "/" + DataLayout.framesDirectory(cameraId: Int64(camera), timelapseId: Int64(timelapse))
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".tmp.") }
    }

    @Test("a good frame lands at the reference path and gets both variants, announced over SSE", arguments: TestEngines.all)
    func goodFrame(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, timelapse) = try await Self.cameraWithTimelapse(client)
            let response = try await Self.post(client, camera: camera, TestFrames.scene(width: 1280, height: 720))
            #expect(response.status == .created)
            let data = response.data
            let imageId = try #require(data["image_id"] as? Int)
            #expect(data["day_number"] as? Int == 2)
            #expect(data["width"] as? Int == 1280)
            #expect(data["height"] as? Int == 720)
            #expect(data["thumbnail_job_id"] is Int)
            let expected = "cameras/camera-\(camera)/timelapse-\(timelapse)/frames/timelapse-\(timelapse)_day002_143022.jpg"
            #expect(data["file_path"] as? String == expected)
            #expect(FileManager.default.fileExists(atPath: fixture.layout.root + "/" + expected))

            let captured = await events.next { $0.type == "image_captured" }
            #expect(captured?.data["image_id"] as? Int == imageId)
            let completed = await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_job_completed" }
            #expect(completed?.data["image_id"] as? Int == imageId)
            #expect((completed?.data["thumbnail_url"] as? String)?.hasPrefix("/api/images/\(imageId)/thumbnail?v=1") == true)

            let image = try await client.execute(uri: "/api/images/\(imageId)", method: .get).data
            let thumb = try #require(image["thumbnail_path"] as? String)
            #expect(thumb == "cameras/camera-\(camera)/timelapse-\(timelapse)/thumbnails/timelapse-\(timelapse)_thumb_day002_143022.jpg")
            #expect(image["small_path"] as? String == "cameras/camera-\(camera)/timelapse-\(timelapse)/smalls/timelapse-\(timelapse)_small_day002_143022.jpg")
            let thumbSize = try FileManager.default.attributesOfItem(atPath: fixture.layout.root + "/" + thumb)[.size] as? Int
            #expect(thumbSize == image["thumbnail_size"] as? Int)
            let tl = try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data
            #expect(tl["image_count"] as? Int == 1)
            #expect(tl["thumbnail_count"] as? Int == 1)
            #expect(tl["small_count"] as? Int == 1)

            let jobs = try await client.execute(uri: "/api/thumbnails/jobs?image_id=\(imageId)", method: .get)
            let job = try #require((jobs.json["data"] as? [[String: Any]])?.first)
            #expect(job["status"] as? String == "completed")
            #expect(job["priority"] as? String == "medium")
            #expect(job["processing_time_ms"] is Int)
        }
    }

    @Test("bad frames are refused with a reason and leave nothing behind", arguments: TestEngines.all)
    func badFrames(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let (camera, timelapse) = try await Self.cameraWithTimelapse(client)
            let cases: [(String, [UInt8], String)] = [
                ("truncated", TestFrames.truncated(), "truncated"),
                ("one colour", TestFrames.flat(), "flat_colour"),
                ("60000×60000 header", TestFrames.hugeHeader(), "too_many_pixels"),
                ("HTML", TestFrames.html, "not_jpeg"),
                ("empty", [], "empty"),
            ]
            for (name, bytes, reason) in cases {
                let response = try await Self.post(client, camera: camera, bytes)
                #expect(response.status == .unprocessableContent, "\(name)")
                #expect((response.json["details"] as? [String: Any])?["reason"] as? String == reason, "\(name)")
            }
            #expect(Self.framesOnDisk(fixture, camera: camera, timelapse: timelapse).isEmpty)
            let tl = try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data
            #expect(tl["image_count"] as? Int == 0)
            let page = try await client.execute(uri: "/api/timelapses/\(timelapse)/images", method: .get)
            #expect((page.json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("capture statuses: 415, 413, 409 duplicate, 409 no timelapse, 422 before start", arguments: TestEngines.all)
    func statuses(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let (camera, timelapse) = try await Self.cameraWithTimelapse(client)
            let frame = TestFrames.scene(width: 320, height: 240)
            let wrongType = try await Self.post(client, camera: camera, frame, contentType: "image/png")
            #expect(wrongType.status == .unsupportedMediaType)
            let first = try await Self.post(client, camera: camera, frame)
            #expect(first.status == .created)
            let duplicate = try await Self.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 9))
            #expect(duplicate.status == .conflict)
            // The first frame is untouched by the refused duplicate.
            let stored = try Data(contentsOf: URL(fileURLWithPath: fixture.layout.root + "/" + (first.data["file_path"] as! String)))
            #expect(Array(stored) == frame)
            let early = try await Self.post(client, camera: camera, frame, at: "2026-02-01T00:00:00Z")
            #expect(early.status == .unprocessableContent)

            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Self.json(["max_upload_bytes": 2048]))
            let big = try await Self.post(client, camera: camera, frame, at: "2026-03-02T15:00:00Z")
            #expect(big.status == .contentTooLarge)
            #expect(Self.framesOnDisk(fixture, camera: camera, timelapse: timelapse).count == 1)

            _ = try await client.execute(uri: "/api/timelapses/\(timelapse)/complete", method: .post)
            let noTimelapse = try await Self.post(client, camera: camera, TestFrames.scene(width: 32, height: 32), at: nil)
            #expect(noTimelapse.status == .conflict)
            let unknown = try await Self.post(client, camera: 999, frame)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("generate_thumbnails off (camera or global) queues no job", arguments: TestEngines.all)
    func thumbnailsOff(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let (camera, _) = try await Self.cameraWithTimelapse(client, body: ["name": "quiet", "generate_thumbnails": false])
            let response = try await Self.post(client, camera: camera, TestFrames.scene(width: 64, height: 48))
            #expect(response.status == .created)
            #expect(response.data["thumbnail_job_id"] is NSNull)
            _ = try await client.execute(uri: "/api/cameras/\(camera)", method: .patch, body: Self.json(["generate_thumbnails": true]))
            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Self.json(["generate_thumbnails": false]))
            let global = try await Self.post(client, camera: camera, TestFrames.scene(width: 64, height: 48), at: "2026-03-02T14:30:23Z")
            #expect(global.data["thumbnail_job_id"] is NSNull)
            let health = try await client.execute(uri: "/api/health", method: .get)
            #expect((health.data["queue"] as? [String: Any])?["pending"] as? Int == 0)
        }
    }

    @Test("SSE replays missed events after Last-Event-ID and sends heartbeats' preamble", arguments: TestEngines.all)
    func replay(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let first = try await EventStreamClient(port: try #require(client.port))
            let (camera, _) = try await Self.cameraWithTimelapse(client)
            _ = try await Self.post(client, camera: camera, TestFrames.scene(width: 64, height: 48), at: "2026-03-02T10:00:00Z")
            let seen = try #require(await first.next { $0.type == "image_captured" })
            first.close()
            _ = try await Self.post(client, camera: camera, TestFrames.scene(width: 64, height: 48), at: "2026-03-02T10:00:01Z")
            let second = try await EventStreamClient(port: try #require(client.port), lastEventId: seen.id ?? 0)
            defer { second.close() }
            let missed = await second.next { $0.type == "image_captured" }
            #expect(missed != nil)
            #expect((missed?.id ?? 0) > (seen.id ?? 0))
            #expect(second.transcript.hasPrefix("retry: "))
        }
    }
}
