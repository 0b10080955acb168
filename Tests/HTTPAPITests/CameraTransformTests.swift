import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

/// A camera's `rotate` and `crop` over real HTTP: applied to thumbnails, smalls, videos and posters, never to the
/// stored frame; changing them remakes the camera's variants.
@Suite("Camera rotate and crop on variants and videos")
struct CameraTransformTests {
    typealias V = VideoTestSupport
    static let variantHeader = HTTPField.Name("X-Image-Variant")!

    static let red = [255, 0, 0], green = [0, 255, 0], blue = [0, 0, 255], white = [255, 255, 255]

    /// 640 × 480: red | green over blue | white.
    static func quadrants(width: Int = 640, height: Int = 480) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let colour: [Int] = switch (x < width / 2, y < height / 2) {
                case (true, true): red
                case (false, true): green
                case (true, false): blue
                case (false, false): white
                }
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = UInt8(colour[c]) }
            }
        }
        return Fixtures.encode(pixels, width: width, height: height, quality: 95)
    }

    /// A variant as served, decoded; requires it to be the variant asked for (not a fallback).
    static func variant(_ client: some TestClientProtocol, image: Int, _ kind: String) async throws -> Fixtures.Decoded {
        let response = try await client.execute(uri: "/api/images/\(image)/\(kind)", method: .get)
        try #require(response.status == .ok, "\(kind) of image \(image): \(response.status)")
        #expect(response.headers[variantHeader] == kind)
        return try #require(Fixtures.decode(Array(response.body.readableBytesView)), "\(kind) of image \(image) does not decode")
    }

    static func colour(_ image: Fixtures.Decoded, _ fx: Double, _ fy: Double) -> [Int] {
        image.pixel(min(image.width - 1, Int(fx * Double(image.width))), min(image.height - 1, Int(fy * Double(image.height))))
    }

    static func near(_ got: [Int], _ want: [Int]) -> Bool { zip(got, want).allSatisfy { abs($0 - $1) < 48 } }

    static func patchCamera(_ client: some TestClientProtocol, _ camera: Int, _ body: [String: Any]) async throws {
        let response = try await client.execute(uri: "/api/cameras/\(camera)", method: .patch, body: V.json(body))
        #expect(response.status == .ok, "PATCH camera \(body): \(response.status) \(response.json)")
    }

    static func jobs(_ client: some TestClientProtocol, image: Int) async throws -> [[String: Any]] {
        try await client.execute(uri: "/api/thumbnails/jobs?image_id=\(image)", method: .get).json["data"] as? [[String: Any]] ?? []
    }

    @Test("rotate 90 and a crop shape the thumbnail, the small, the video and its poster; /full is what was posted",
          arguments: TestEngines.all)
    func applied(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            try await V.setSettings(client, ["small_generation_mode": "all"])
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            // The top half (red | green, 640 × 240) turned clockwise: 240 × 640, red above green.
            try await Self.patchCamera(client, camera, ["rotate": 90, "crop": ["x": 0, "y": 0, "w": 640, "h": 240]])
            let frame = Self.quadrants()
            let instants = (0..<3).map { V.utc(2026, 3, 2, 12, $0) }
            let ids = try await V.postFrames(client, camera: camera, at: instants) { _ in frame }
            try await V.waitForThumbnails(client, timelapse: timelapse, count: ids.count)
            try await waitUntil("smalls of the frames", timeout: .seconds(30)) {
                try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["small_count"] as? Int ?? 0 >= ids.count
            }

            let thumbnail = try await Self.variant(client, image: ids[0], "thumbnail")
            #expect(thumbnail.width == 56 && thumbnail.height == 150, "thumbnail \(thumbnail.width)×\(thumbnail.height)")
            let small = try await Self.variant(client, image: ids[0], "small")
            #expect(small.width == 225 && small.height == 600, "small \(small.width)×\(small.height)")
            for (name, image) in [("thumbnail", thumbnail), ("small", small)] {
                for (fx, fy, want) in [(0.5, 0.1, Self.red), (0.5, 0.4, Self.red), (0.5, 0.6, Self.green), (0.5, 0.9, Self.green),
                                       (0.1, 0.25, Self.red), (0.9, 0.75, Self.green)] {
                    let got = Self.colour(image, fx, fy)
                    #expect(Self.near(got, want), "\(name) at (\(fx), \(fy)): \(got), want \(want)")
                }
            }
            // The stored frame is never touched.
            let full = try await client.execute(uri: "/api/images/\(ids[0])/full", method: .get)
            #expect(full.status == .ok)
            #expect(Array(full.body.readableBytesView) == frame)
            let image = try await client.execute(uri: "/api/images/\(ids[0])", method: .get).data
            #expect(image["width"] as? Int == 640 && image["height"] as? Int == 480)

            // A render's size follows the transform; so does its poster.
            let render = try await V.render(client, timelapse: timelapse, ["name": "turned", "fps": 10])
            #expect(render.data["width"] as? Int == 240 && render.data["height"] as? Int == 640, "render \(render.data)")
            let file = try V.videoFile(fixture, camera: camera, video: render.data)
            let stream = try await V.probeStream(file)
            #expect(stream.width == 240 && stream.height == 640)
            // The video's content: luma of red (≈ 82 limited) above green (≈ 145).
            let top = try await V.lumaSeries(try await Self.cropped(file, "240:200:0:40"))
            let bottom = try await V.lumaSeries(try await Self.cropped(file, "240:200:0:400"))
            #expect(!top.isEmpty && top.allSatisfy { abs($0 - 82) < 20 }, "top of the video: \(top)")
            #expect(!bottom.isEmpty && bottom.allSatisfy { abs($0 - 145) < 20 }, "bottom of the video: \(bottom)")
            let posterBytes = try #require(FileManager.default.contents(atPath: V.posterFile(forVideoFile: file)))
            let poster = try #require(Fixtures.decode(Array(posterBytes)))
            #expect(poster.width < poster.height, "poster \(poster.width)×\(poster.height)")
            #expect(Self.near(Self.colour(poster, 0.5, 0.2), Self.red) && Self.near(Self.colour(poster, 0.5, 0.8), Self.green))
        }
    }

    /// Part of a video (ffmpeg `crop=w:h:x:y`), re-encoded beside it for `lumaSeries`.
    static func cropped(_ file: String, _ crop: String) async throws -> String {
        let out = file + ".\(crop.replacingOccurrences(of: ":", with: "_")).mkv"
        _ = try await V.checkedTool("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-y", "-i", file, "-vf", "crop=\(crop)",
                                               "-c:v", "ffv1", out])
        return out
    }

    @Test("changing rotate on a camera with frames queues their regeneration and the thumbnails turn; an unchanged value queues nothing",
          arguments: TestEngines.all)
    func regeneration(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            let frame = Self.quadrants()
            let instants = (0..<3).map { V.utc(2026, 3, 2, 12, $0) }
            let ids = try await V.postFrames(client, camera: camera, at: instants) { _ in frame }
            try await V.waitForThumbnails(client, timelapse: timelapse, count: ids.count)
            for id in ids {
                let thumbnail = try await Self.variant(client, image: id, "thumbnail")
                #expect(thumbnail.width == 200 && thumbnail.height == 150)
                #expect(Self.near(Self.colour(thumbnail, 0.25, 0.25), Self.red))
            }

            try await Self.patchCamera(client, camera, ["rotate": 270])
            for id in ids {
                let jobs = try await Self.jobs(client, image: id)
                #expect(jobs.count == 2 && jobs.contains { $0["job_type"] as? String == "bulk" }, "jobs of image \(id): \(jobs)")
            }
            // Turned anticlockwise: 480 × 640 → 112 × 150 (112.5 rounded half to even); green at the top left, red at
            // the bottom left.
            try await waitUntil("the thumbnails turned", timeout: .seconds(60), interval: .milliseconds(100)) {
                for id in ids {
                    let response = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get)
                    guard let image = Fixtures.decode(Array(response.body.readableBytesView)), image.width < image.height else { return false }
                }
                return true
            }
            for id in ids {
                let thumbnail = try await Self.variant(client, image: id, "thumbnail")
                #expect(thumbnail.width == 112 && thumbnail.height == 150, "thumbnail \(thumbnail.width)×\(thumbnail.height)")
                for (fx, fy, want) in [(0.25, 0.25, Self.green), (0.75, 0.25, Self.white), (0.25, 0.75, Self.red), (0.75, 0.75, Self.blue)] {
                    let got = Self.colour(thumbnail, fx, fy)
                    #expect(Self.near(got, want), "image \(id) at (\(fx), \(fy)): \(got), want \(want)")
                }
                let full = try await client.execute(uri: "/api/images/\(id)/full", method: .get)
                #expect(Array(full.body.readableBytesView) == frame)
            }
            try await waitUntil("the regeneration jobs done", timeout: .seconds(30)) {
                for id in ids {
                    let jobs = try await Self.jobs(client, image: id)
                    if jobs.contains(where: { $0["status"] as? String != "completed" }) { return false }
                }
                return true
            }

            // The same rotation again (with another change) and a name alone: nothing is queued.
            try await Self.patchCamera(client, camera, ["rotate": 270, "name": "renamed"])
            try await Self.patchCamera(client, camera, ["name": "renamed again", "crop": NSNull()])
            for id in ids {
                let jobs = try await Self.jobs(client, image: id)
                #expect(jobs.count == 2, "jobs of image \(id) after unchanged PATCHes: \(jobs)")
            }
        }
    }
}
