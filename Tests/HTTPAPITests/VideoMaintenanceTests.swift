import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

@Suite("Maintenance never touches videos/")
struct VideoMaintenanceTests {
    typealias V = VideoTestSupport

    @Test("verify, repair, cleanup and delete-all leave a video and its poster; stats and metrics count its bytes",
          arguments: TestEngines.all)
    func maintenanceLeavesVideos(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            let start = V.utc(2026, 2, 1, 12, 0)
            _ = try await V.postFrames(client, camera: camera, at: (0..<6).map { start.addingTimeInterval(Double($0) * 60) }) { V.scene(seed: $0) }
            let (_, video) = try await V.render(client, timelapse: timelapse, ["fps": 6])
            let file = try V.videoFile(fixture, camera: camera, video: video)
            let poster = V.posterFile(forVideoFile: file)
            let before = try Data(contentsOf: URL(fileURLWithPath: file))
            // A stray file in videos/ that no row names is not an orphan maintenance may take either.
            let stray = (file as NSString).deletingLastPathComponent + "/kept-by-the-user.mp4"
            #expect(FileManager.default.createFile(atPath: stray, contents: Data("x".utf8)))
            for (method, uri) in [(HTTPRequest.Method.post, "/api/thumbnails/verify"), (.post, "/api/thumbnails/repair"),
                                  (.delete, "/api/thumbnails/cleanup?dry_run=false"), (.delete, "/api/thumbnails/delete-all?confirm=true")] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .ok, "\(uri): \(response.status)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
            #expect(FileManager.default.fileExists(atPath: poster))
            #expect(FileManager.default.fileExists(atPath: stray))
            let size = try #require(V.number(video["size_bytes"]))
            let stats = try await client.execute(uri: "/api/thumbnails/stats", method: .get)
            let disk = try #require(stats.data["total_disk_usage"] as? [String: Any], "\(stats.json)")
            #expect(V.number(disk["videos_bytes"]) == size)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("timelapser_video_bytes \(Int(size))") || metrics.contains("timelapser_video_bytes \(size)"),
                    "\(metrics.split(separator: "\n").filter { $0.contains("video") })")
            #expect(metrics.contains("timelapser_videos{status=\"completed\"} 1"))
        }
    }
}
