import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

/// Timelapse listings and timelapse deletion over real HTTP, with the real worker's files on disk.
@Suite("Timelapses: listings and deletion")
struct TimelapseCatalogTests {
    static func ids(_ response: TestResponse) -> [Int] { Coverage.list(response).compactMap { $0["id"] as? Int } }

    @Test("GET /api/timelapses, ?camera_id= and /api/cameras/{id}/timelapses list by id with the right fields",
          arguments: TestEngines.all)
    func listings(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let a = try await Coverage.camera(client, ["name": "A"])
            let b = try await Coverage.camera(client, ["name": "B"])
            let a1 = try await Coverage.timelapse(client, camera: a, started: "2026-03-01T08:00:00Z", name: "A one")
            _ = try await Coverage.capture(client, camera: a, TestFrames.scene(width: 160, height: 120), at: "2026-03-01T09:00:00Z")
            #expect(try await client.execute(uri: "/api/timelapses/\(a1)/complete", method: .post).status == .ok)
            let b1 = try await Coverage.timelapse(client, camera: b, name: "B one")
            let a2 = try await Coverage.timelapse(client, camera: a, started: "2026-03-05T08:00:00Z", name: "A two")

            let all = try await client.execute(uri: "/api/timelapses", method: .get)
            #expect(all.status == .ok)
            #expect(Self.ids(all) == [a1, b1, a2])
            let rows = Dictionary(uniqueKeysWithValues: Coverage.list(all).map { ($0["id"] as? Int ?? 0, $0) })
            #expect(rows[a1]?["camera_id"] as? Int == a)
            #expect(rows[a1]?["name"] as? String == "A one")
            #expect(rows[a1]?["status"] as? String == "completed")
            #expect(rows[a1]?["completed_at"] is String)
            #expect(rows[a1]?["image_count"] as? Int == 1)
            #expect(rows[a2]?["status"] as? String == "running")
            #expect(rows[a2]?["completed_at"] is NSNull)
            #expect(rows[a2]?["image_count"] as? Int == 0)
            #expect((rows[a2]?["started_at"] as? String)?.hasPrefix("2026-03-05T08:00:00") == true)
            #expect(rows[b1]?["camera_id"] as? Int == b)
            for row in rows.values {
                for key in ["id", "camera_id", "name", "status", "started_at", "completed_at", "image_count", "thumbnail_count",
                            "small_count", "created_at"] {
                    #expect(row.keys.contains(key), "a timelapse lacks \(key)")
                }
            }

            #expect(Self.ids(try await client.execute(uri: "/api/timelapses?camera_id=\(a)", method: .get)) == [a1, a2])
            #expect(Self.ids(try await client.execute(uri: "/api/timelapses?camera_id=\(b)", method: .get)) == [b1])
            let unknown = try await client.execute(uri: "/api/timelapses?camera_id=999", method: .get)
            #expect(unknown.status == .ok)
            #expect((unknown.json["data"] as? [Any])?.isEmpty == true)
            for bad in ["0", "-1", "abc"] {
                let response = try await client.execute(uri: "/api/timelapses?camera_id=\(bad)", method: .get)
                #expect(response.status == .badRequest, "camera_id=\(bad)")
                #expect((response.json["details"] as? [String: Any])?["field"] as? String == "camera_id")
            }

            let ofA = try await client.execute(uri: "/api/cameras/\(a)/timelapses", method: .get)
            #expect(ofA.status == .ok)
            #expect(Self.ids(ofA) == [a1, a2])
            #expect(Coverage.list(ofA).map { $0["status"] as? String } == ["completed", "running"])
            #expect(Self.ids(try await client.execute(uri: "/api/cameras/\(b)/timelapses", method: .get)) == [b1])
            let missing = try await client.execute(uri: "/api/cameras/999/timelapses", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.json["status_code"] as? Int == 404)

            #expect(try await client.execute(uri: "/api/cameras/\(b)", method: .delete).status == .ok)
            #expect(Self.ids(try await client.execute(uri: "/api/timelapses", method: .get)) == [a1, a2])
            #expect(try await client.execute(uri: "/api/cameras/\(b)/timelapses", method: .get).status == .notFound)
        }
    }

    @Test("DELETE /api/timelapses/{id}: counts in the answer, rows, jobs and the whole folder gone, other timelapses untouched",
          arguments: TestEngines.all)
    func deleteTimelapse(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let root = fixture.layout.root
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            // Only the newest frame keeps a small: three images, three thumbnails, one small tell the counts apart.
            try await Coverage.patchSettings(client, ["small_generation_mode": "latest_only"])
            let camera = try await Coverage.camera(client)
            let doomed = try await Coverage.timelapse(client, camera: camera)
            var ids: [Int] = []
            for i in 0..<3 {
                let frame = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 400, height: 300, seed: i + 1),
                                                       at: "2026-03-02T11:00:0\(i)Z")
                let id = try #require(frame["image_id"] as? Int)
                _ = try await Coverage.completion(events, image: id)
                ids.append(id)
            }
            let other = try await Coverage.camera(client, ["name": "other"])
            let kept = try await Coverage.timelapse(client, camera: other)
            let keptFrame = try await Coverage.capture(client, camera: other, TestFrames.scene(width: 400, height: 300, seed: 9),
                                                       at: "2026-03-02T11:00:00Z")
            let keptId = try #require(keptFrame["image_id"] as? Int)
            _ = try await Coverage.completion(events, image: keptId)

            let folder = DataLayout.timelapseDirectory(cameraId: Int64(camera), timelapseId: Int64(doomed))
            #expect(Coverage.files(root, folder + "/frames").count == 3)
            #expect(Coverage.files(root, folder + "/thumbnails").count == 3)
            #expect(Coverage.files(root, folder + "/smalls").count == 1)
            let before = try await client.execute(uri: "/api/timelapses/\(doomed)", method: .get).data
            #expect(before["thumbnail_count"] as? Int == 3 && before["small_count"] as? Int == 1)

            let deleted = try await client.execute(uri: "/api/timelapses/\(doomed)", method: .delete)
            #expect(deleted.status == .ok)
            let summary = deleted.data
            #expect(summary["cameras_deleted"] as? Int == 0)
            #expect(summary["timelapses_deleted"] as? Int == 1)
            #expect(summary["images_deleted"] as? Int == 3)
            #expect(summary["thumbnails_deleted"] as? Int == 3)
            #expect(summary["smalls_deleted"] as? Int == 1)

            // The folder and everything in it (frames, thumbnails, smalls) is gone.
            #expect(!Coverage.exists(root + "/" + folder))
            // Rows: the timelapse, its images and their jobs.
            #expect(try await client.execute(uri: "/api/timelapses/\(doomed)", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/timelapses/\(doomed)/images", method: .get).status == .notFound)
            for id in ids {
                #expect(try await client.execute(uri: "/api/images/\(id)", method: .get).status == .notFound)
                #expect(try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get).status == .notFound)
                let jobs = try await client.execute(uri: "/api/thumbnails/jobs?image_id=\(id)", method: .get)
                #expect(Coverage.list(jobs).isEmpty, "jobs of image \(id) survived")
            }
            let announced = await events.next { $0.type == "timelapse_deleted" }
            #expect(announced?.event == .timelapseDeleted(TimelapseDeleted(timelapseId: Int64(doomed), cameraId: Int64(camera))))

            // The camera stays, without a running timelapse, and can start a new one.
            let cameraNow = try await client.execute(uri: "/api/cameras/\(camera)", method: .get)
            #expect(cameraNow.status == .ok)
            #expect(cameraNow.data["active_timelapse_id"] is NSNull)
            #expect(Self.ids(try await client.execute(uri: "/api/cameras/\(camera)/timelapses", method: .get)).isEmpty)

            // The other camera's timelapse and files are untouched.
            let keptFolder = DataLayout.timelapseDirectory(cameraId: Int64(other), timelapseId: Int64(kept))
            #expect(Coverage.files(root, keptFolder + "/frames").count == 1)
            #expect(Coverage.files(root, keptFolder + "/thumbnails").count == 1)
            #expect(Coverage.files(root, keptFolder + "/smalls").count == 1)
            #expect(try await client.execute(uri: "/api/timelapses/\(kept)", method: .get).data["image_count"] as? Int == 1)
            #expect(try await client.execute(uri: "/api/images/\(keptId)/thumbnail", method: .get).status == .ok)
            let stats = try await client.execute(uri: "/api/thumbnails/stats", method: .get).data
            #expect(stats["total_images"] as? Int == 1)
            #expect(stats["timelapses"] as? Int == 1)

            #expect(try await client.execute(uri: "/api/timelapses/\(doomed)", method: .delete).status == .notFound)
            #expect(try await client.execute(uri: "/api/cameras/\(camera)/timelapses", method: .post, body: Coverage.body([:])).status == .created)
        }
    }
}
