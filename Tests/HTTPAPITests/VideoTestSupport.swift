import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

/// Shared helpers of the video tests (rendering, lifecycle): timelapses with frames at chosen instants, waiting
/// for renders, and ffprobe/ffmpeg run on what the server wrote.
enum VideoTestSupport {
    /// Before every `captured_at` the video tests use, so no frame is refused as earlier than the timelapse.
    static let earlyStart = "2026-01-01T00:00:00Z"

    static func json(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    /// `date` as the API spells it (ISO 8601, UTC, milliseconds).
    static func iso(_ date: Date) -> String { JSONDate.string(date) }

    /// Parses an ISO 8601 text (nil for anything else, JSON null included).
    static func date(_ value: Any?) -> Date? { (value as? String).flatMap(JSONDate.parse) }

    /// A JSON number as a Double, whether it was written as an integer or not (nil for anything else).
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let value as Int: Double(value)
        case let value as Double: value
        case let value as NSNumber: value.doubleValue
        default: nil
        }
    }

    /// A UTC instant.
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    // MARK: entities and frames

    /// A camera with a running timelapse started at `started` (early by default); returns (camera id, timelapse id).
    static func cameraWithTimelapse(_ client: some TestClientProtocol, started: String = earlyStart,
                                    camera body: [String: Any] = ["name": "video-cam"]) async throws -> (camera: Int, timelapse: Int) {
        let camera = try await client.execute(uri: "/api/cameras", method: .post, body: json(body))
        let cameraId = try #require(camera.data["id"] as? Int, "camera not created: \(camera.status)")
        let timelapse = try await client.execute(uri: "/api/cameras/\(cameraId)/timelapses", method: .post,
                                                 body: json(["started_at": started]))
        let timelapseId = try #require(timelapse.data["id"] as? Int, "timelapse not created: \(timelapse.status)")
        return (cameraId, timelapseId)
    }

    /// Posts one JPEG captured at `at`; requires 201 and returns the image id.
    @discardableResult
    static func postFrame(_ client: some TestClientProtocol, camera: Int, _ jpeg: [UInt8], at: Date) async throws -> Int {
        let response = try await client.execute(uri: "/api/cameras/\(camera)/captures?captured_at=\(iso(at))", method: .post,
                                                headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: jpeg))
        #expect(response.status == .created, "frame at \(iso(at)): \(response.status) \(response.json)")
        return try #require(response.data["image_id"] as? Int)
    }

    /// Posts `jpeg(i)` at each instant in order; returns the image ids.
    @discardableResult
    static func postFrames(_ client: some TestClientProtocol, camera: Int, at instants: [Date],
                           jpeg: (Int) -> [UInt8]) async throws -> [Int] {
        var ids: [Int] = []
        for (i, instant) in instants.enumerated() { ids.append(try await postFrame(client, camera: camera, jpeg(i), at: instant)) }
        return ids
    }

    /// Waits until `count` frames of the timelapse have thumbnails (the frames' mean luma, which deflicker plans
    /// with, is measured then).
    static func waitForThumbnails(_ client: some TestClientProtocol, timelapse: Int, count: Int,
                                  timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("\(count) thumbnails of timelapse \(timelapse)", timeout: timeout, interval: .milliseconds(50)) {
            let tl = try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data
            return (tl["thumbnail_count"] as? Int ?? 0) >= count
        }
    }

    /// PATCH /api/settings; requires 200.
    static func setSettings(_ client: some TestClientProtocol, _ changes: [String: Any]) async throws {
        let response = try await client.execute(uri: "/api/settings", method: .patch, body: json(changes))
        #expect(response.status == .ok, "settings \(changes): \(response.status) \(response.json)")
    }

    // MARK: renders

    /// `POST /api/timelapses/{id}/videos` (with `?dry_run=true` when asked), whatever it answers.
    static func requestVideo(_ client: some TestClientProtocol, timelapse: Int, _ settings: [String: Any],
                             dryRun: Bool = false) async throws -> TestResponse {
        try await client.execute(uri: "/api/timelapses/\(timelapse)/videos" + (dryRun ? "?dry_run=true" : ""), method: .post,
                                 headers: [.contentType: "application/json"], body: json(settings))
    }

    /// Queues a render; requires 202 and returns the video id.
    static func queueVideo(_ client: some TestClientProtocol, timelapse: Int, _ settings: [String: Any]) async throws -> Int {
        let response = try await requestVideo(client, timelapse: timelapse, settings)
        #expect(response.status == .accepted, "render \(settings): \(response.status) \(response.json)")
        return try #require(response.data["video_id"] as? Int, "no video_id in \(response.json)")
    }

    /// `GET /api/videos/{id}`'s data (empty when it is not 200).
    static func video(_ client: some TestClientProtocol, _ id: Int) async throws -> [String: Any] {
        try await client.execute(uri: "/api/videos/\(id)", method: .get).data
    }

    static let finalStatuses: Set<String> = ["completed", "failed", "cancelled"]

    /// Waits until the video is completed, failed or cancelled; returns `GET /api/videos/{id}`'s data then.
    @discardableResult
    static func waitForFinal(_ client: some TestClientProtocol, video id: Int, timeout: Duration = .seconds(120)) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        try await waitUntil("video \(id) to finish", timeout: timeout, interval: .milliseconds(50)) {
            last = try await video(client, id)
            return finalStatuses.contains(last["status"] as? String ?? "")
        }
        return last
    }

    /// Waits for the video to finish and requires it `completed`.
    @discardableResult
    static func waitForCompleted(_ client: some TestClientProtocol, video id: Int, timeout: Duration = .seconds(120)) async throws -> [String: Any] {
        let data = try await waitForFinal(client, video: id, timeout: timeout)
        try #require(data["status"] as? String == "completed", "video \(id) ended \(data["status"] ?? "?"): \(data["error"] ?? "")")
        return data
    }

    /// Queues a render and waits for it to complete; returns (video id, its data).
    static func render(_ client: some TestClientProtocol, timelapse: Int, _ settings: [String: Any]) async throws -> (id: Int, data: [String: Any]) {
        let id = try await queueVideo(client, timelapse: timelapse, settings)
        return (id, try await waitForCompleted(client, video: id))
    }

    /// The absolute path of a video's MP4 (`cameras/camera-{c}/timelapse-{t}/videos/{name}_v{NN}.mp4`).
    static func videoFile(_ fixture: TestDatabase, camera: Int, timelapse: Int, name: String, version: Int) -> String {
        fixture.layout.root + "/" + DataLayout.videoPath(cameraId: Int64(camera), timelapseId: Int64(timelapse), name: name, version: version)
    }

    /// The absolute path of a video's MP4 from its `GET /api/videos/{id}` data.
    static func videoFile(_ fixture: TestDatabase, camera: Int, video data: [String: Any]) throws -> String {
        videoFile(fixture, camera: camera, timelapse: try #require(data["timelapse_id"] as? Int),
                  name: try #require(data["name"] as? String), version: try #require(data["version"] as? Int))
    }

    /// The poster JPEG beside a video file.
    static func posterFile(forVideoFile path: String) -> String { DataLayout.posterPath(forVideoPath: path) }

    // MARK: frames made for video tests

    /// A 320×240 (by default) textured scene whose mean brightness is scaled by `brightness` (1: unchanged);
    /// `seed` moves its details a little so consecutive frames differ.
    static func scene(width: Int = 320, height: Int = 240, brightness: Double = 1, seed: Int = 0) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let base = 40 + 70 * x / width + 30 * y / height + ((x / 8 + y / 8 + seed) % 3) * 10
                let i = (y * width + x) * 3
                let v = Double(base) * brightness
                pixels[i] = UInt8(clamping: Int(v.rounded()))
                pixels[i + 1] = UInt8(clamping: Int((v * 0.95).rounded()))
                pixels[i + 2] = UInt8(clamping: Int((v * 0.85).rounded()))
            }
        }
        return Fixtures.encode(pixels, width: width, height: height)
    }

    // MARK: ffprobe / ffmpeg

    struct ToolResult: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a tool found on PATH without blocking a Swift concurrency thread; output goes through temporary files
    /// (no pipe can fill up).
    static func tool(_ name: String, _ arguments: [String]) async throws -> ToolResult {
        let scratch = TempDir()
        defer { scratch.cleanup() }
        let outPath = scratch.path + "/stdout", errPath = scratch.path + "/stderr"
        // posix_spawn and a polled exit (ChildProcess): Foundation's termination handler was once never called under a
        // full run, and its continuation then held the whole suite.
        let process = try ChildProcess(executable: "/usr/bin/env", arguments: [name] + arguments, stdoutPath: outPath, stderrPath: errPath)
        guard let status = await process.waitForExit(timeout: .seconds(300)) else {
            process.signal(SIGKILL)
            throw TestSetupError("\(name) did not exit within 300 s")
        }
        return ToolResult(status: status, stdout: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(),
                          stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Runs a tool and requires it to succeed.
    static func checkedTool(_ name: String, _ arguments: [String]) async throws -> ToolResult {
        let result = try await tool(name, arguments)
        try #require(result.status == 0, "\(name) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        return result
    }

    /// Frames ffprobe decodes in the file's first video stream.
    static func probeFrameCount(_ path: String) async throws -> Int {
        let result = try await checkedTool("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                       "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        return try #require(Int(result.text.trimmingCharacters(in: .whitespacesAndNewlines)), "ffprobe said \(result.text)")
    }

    struct StreamInfo: Sendable {
        var codec: String
        var width: Int
        var height: Int
        /// Seconds (the video stream's own duration).
        var duration: Double
        /// Frames per second (`r_frame_rate`).
        var frameRate: Double
    }

    /// The first video stream's codec, size, duration and frame rate.
    static func probeStream(_ path: String) async throws -> StreamInfo {
        let result = try await checkedTool("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                       "stream=codec_name,width,height,duration,r_frame_rate", "-of", "json", path])
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let stream = try #require((object["streams"] as? [[String: Any]])?.first, "no video stream: \(result.text)")
        let rate = (stream["r_frame_rate"] as? String ?? "0/1").split(separator: "/").compactMap { Double($0) }
        return StreamInfo(codec: stream["codec_name"] as? String ?? "", width: stream["width"] as? Int ?? 0,
                          height: stream["height"] as? Int ?? 0, duration: Double(stream["duration"] as? String ?? "") ?? -1,
                          frameRate: rate.count == 2 && rate[1] != 0 ? rate[0] / rate[1] : 0)
    }

    /// Each frame's mean luma (`signalstats` YAVG), in order.
    static func lumaSeries(_ path: String) async throws -> [Double] {
        let result = try await checkedTool("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-i", path, "-vf",
                                                      "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-", "-f", "null", "-"])
        return result.text.split(whereSeparator: \.isNewline).compactMap { line in
            guard let range = line.range(of: "lavfi.signalstats.YAVG=") else { return nil }
            return Double(line[range.upperBound...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// Frame `index` of a video as 8-bit grey pixels, `width × height` of them (the video's own size).
    static func grayFrame(_ path: String, index: Int = 0) async throws -> (pixels: [UInt8], width: Int, height: Int) {
        let info = try await probeStream(path)
        let result = try await checkedTool("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-i", path, "-vf",
                                                      "select=eq(n\\,\(index))", "-frames:v", "1", "-f", "rawvideo",
                                                      "-pix_fmt", "gray", "-"])
        try #require(result.stdout.count == info.width * info.height,
                     "frame \(index) of \(path): \(result.stdout.count) bytes for \(info.width)×\(info.height)")
        return ([UInt8](result.stdout), info.width, info.height)
    }

    /// Mean absolute difference of two grey images over the rectangle `x..<x+w, y..<y+h`.
    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8], imageWidth: Int,
                                       x: Int, y: Int, w: Int, h: Int) -> Double {
        var total = 0
        for row in y..<(y + h) {
            for column in x..<(x + w) {
                let i = row * imageWidth + column
                total += abs(Int(a[i]) - Int(b[i]))
            }
        }
        return Double(total) / Double(w * h)
    }

    /// The size of a file, nil when it does not exist.
    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    }
}
