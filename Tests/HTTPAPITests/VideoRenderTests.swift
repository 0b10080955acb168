import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

/// Renders over real HTTP with real frames, checked with ffprobe/ffmpeg: which frames a render uses, its rate and
/// length, deflicker, serving the file, validation, deletion and overlays.
@Suite("Video renders over real HTTP, checked with ffprobe")
struct VideoRenderTests {
    typealias V = VideoTestSupport

    // MARK: an independent model of the selection rules

    /// A posted frame's instant with its local day and minute in `timeZone`.
    struct Posted {
        var at: Date
        var day: Int
        var minute: Int

        init(_ at: Date, in timeZone: TimeZone) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: at)
            self.at = at
            day = parts.year! * 10_000 + parts.month! * 100 + parts.day!
            minute = parts.hour! * 60 + parts.minute!
        }
    }

    static func between(_ frames: [Posted], from: Date?, to: Date?) -> [Posted] {
        frames.filter { frame in (from.map { frame.at >= $0 } ?? true) && (to.map { frame.at < $0 } ?? true) }
    }

    /// `[start, end)` in local minutes; an end before the start wraps midnight.
    static func window(_ frames: [Posted], _ start: Int, _ end: Int) -> [Posted] {
        frames.filter { start < end ? ($0.minute >= start && $0.minute < end) : ($0.minute >= start || $0.minute < end) }
    }

    /// The `count` frames of each local day nearest `near` (no daylight-saving change in the days used).
    static func perDay(_ frames: [Posted], count: Int, near: Int) -> [Posted] {
        let days = frames.map(\.day).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        return days.flatMap { day in
            frames.filter { $0.day == day }
                .sorted { (abs($0.minute - near), $0.at) < (abs($1.minute - near), $1.at) }
                .prefix(count).sorted { $0.at < $1.at }
        }
    }

    static func everyNth(_ frames: [Posted], _ n: Int) -> [Posted] {
        frames.enumerated().filter { $0.offset % n == 0 }.map(\.element)
    }

    /// Checks a completed video against the frames it should hold at `fps`: the API's figures, and ffprobe's
    /// count of decoded frames and duration of the file.
    static func checkRender(_ data: [String: Any], expected: [Date], fps: Double, file: String, label: String) async throws {
        #expect(data["frame_count"] as? Int == expected.count, "\(label): frame_count")
        #expect(V.date(data["first_frame_at"]) == expected.first, "\(label): first_frame_at \(data["first_frame_at"] ?? "nil")")
        #expect(V.date(data["last_frame_at"]) == expected.last, "\(label): last_frame_at \(data["last_frame_at"] ?? "nil")")
        #expect(V.number(data["fps"]) == fps, "\(label): fps \(data["fps"] ?? "nil")")
        let duration = try #require(V.number(data["duration_seconds"]), "\(label): duration_seconds")
        #expect(abs(duration - Double(expected.count) / fps) < 1e-6, "\(label): duration_seconds \(duration)")
        #expect(data["size_bytes"] as? Int == V.fileSize(file), "\(label): size_bytes")
        #expect(try await V.probeFrameCount(file) == expected.count, "\(label): frames in the file")
        let stream = try await V.probeStream(file)
        #expect(abs(stream.duration - Double(expected.count) / fps) < 0.002, "\(label): file lasts \(stream.duration) s")
        #expect(abs(stream.frameRate - fps) < 0.01, "\(label): file rate \(stream.frameRate)")
        #expect(stream.codec == data["codec"] as? String, "\(label): codec")
        #expect(stream.width == data["width"] as? Int && stream.height == data["height"] as? Int, "\(label): size")
    }

    // MARK: 1. frame selection

    @Test("from/to, time_of_day (also across midnight), per_day, every_nth and a combination select the frames they say, in local time",
          arguments: TestEngines.all)
    func frameSelection(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            try await V.setSettings(client, ["timezone": "Europe/Paris", "max_concurrent_renders": 4])
            let paris = TimeZone(identifier: "Europe/Paris")!
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            // 4 days × 6 times (UTC). Paris is UTC+1 then, so 23:30 UTC is 00:30 of the next local day, and
            // the frame nearest local noon (10:55 UTC = 11:55) is not the one nearest UTC noon (11:20 UTC).
            let times = [(3, 10), (7, 40), (10, 55), (11, 20), (16, 30), (23, 30)]
            let instants = (2...5).flatMap { day in times.map { V.utc(2026, 3, day, $0.0, $0.1) } }
            try await V.postFrames(client, camera: camera, at: instants) { V.scene(seed: $0) }
            let frames = instants.map { Posted($0, in: paris) }

            let from = V.utc(2026, 3, 3, 7, 40), to = V.utc(2026, 3, 4, 16, 30)
            let cases: [(name: String, settings: [String: Any], expected: [Posted])] = [
                ("from_to", ["from": V.iso(from), "to": "2026-03-04T17:30:00+01:00"],
                 Self.between(frames, from: from, to: to)),
                ("morning", ["time_of_day": ["start": "08:00", "end": "12:00"]], Self.window(frames, 8 * 60, 12 * 60)),
                ("night", ["time_of_day": ["start": "23:45", "end": "04:00"]], Self.window(frames, 23 * 60 + 45, 4 * 60)),
                ("noon", ["per_day": ["count": 1, "near": "12:00"]], Self.perDay(frames, count: 1, near: 12 * 60)),
                ("nth", ["every_nth": 5], Self.everyNth(frames, 5)),
                ("combined", ["from": "2026-03-03T00:00:00Z", "time_of_day": ["start": "08:00", "end": "18:00"],
                              "per_day": ["count": 2, "near": "12:00"], "every_nth": 3],
                 Self.everyNth(Self.perDay(Self.window(Self.between(frames, from: V.utc(2026, 3, 3, 0, 0), to: nil),
                                                       8 * 60, 18 * 60), count: 2, near: 12 * 60), 3)),
            ]
            // The rules are not vacuous: each keeps some frames and drops others, and the local clock matters.
            for (name, _, expected) in cases {
                #expect(!expected.isEmpty && expected.count < frames.count, "\(name) selects \(expected.count)")
            }
            #expect(Self.perDay(frames, count: 1, near: 12 * 60).map(\.at)
                    != Self.perDay(instants.map { Posted($0, in: .gmt) }, count: 1, near: 12 * 60).map(\.at))
            #expect(Self.window(frames, 23 * 60 + 45, 4 * 60).map(\.at)
                    != Self.window(instants.map { Posted($0, in: .gmt) }, 23 * 60 + 45, 4 * 60).map(\.at))

            var queued: [(name: String, id: Int, expected: [Date])] = []
            for (name, settings, expected) in cases {
                var body = settings
                body["name"] = name
                body["fps"] = 10
                let dryRun = try await V.requestVideo(client, timelapse: timelapse, body, dryRun: true)
                #expect(dryRun.status == .ok, "\(name): dry run \(dryRun.status)")
                #expect(dryRun.data["frame_count"] as? Int == expected.count, "\(name): dry run frame_count")
                #expect(V.date(dryRun.data["first_frame_at"]) == expected.first?.at, "\(name): dry run first_frame_at")
                #expect(V.date(dryRun.data["last_frame_at"]) == expected.last?.at, "\(name): dry run last_frame_at")
                queued.append((name, try await V.queueVideo(client, timelapse: timelapse, body), expected.map(\.at)))
            }
            for (name, id, expected) in queued {
                let data = try await V.waitForCompleted(client, video: id)
                #expect(data["name"] as? String == name)
                #expect(data["version"] as? Int == 1)
                #expect(data["width"] as? Int == 320 && data["height"] as? Int == 240, "\(name): never upscaled")
                let file = try V.videoFile(fixture, camera: camera, video: data)
                #expect(file.hasSuffix("/cameras/camera-\(camera)/timelapse-\(timelapse)/videos/\(name)_v01.mp4"))
                try await Self.checkRender(data, expected: expected, fps: 10, file: file, label: name)
            }
            let list = try await client.execute(uri: "/api/timelapses/\(timelapse)/videos", method: .get)
            #expect(Set((list.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }) == Set(queued.map(\.id)))
        }
    }

    @Test("target_seconds derives fps within min_fps…max_fps, dropping frames evenly when even max_fps runs long",
          arguments: TestEngines.all)
    func targetSeconds(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            try await V.setSettings(client, ["max_concurrent_renders": 3])
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            let instants = (0..<30).map { V.utc(2026, 3, 2, 9, $0) }
            try await V.postFrames(client, camera: camera, at: instants) { V.scene(seed: $0) }

            // 30 frames in 1 s would be 30 fps; max_fps 20 keeps 20 of them, first and last included.
            let fast = try await V.queueVideo(client, timelapse: timelapse, ["name": "fast", "target_seconds": 1, "max_fps": 20])
            // 30 frames in 10 s would be 3 fps; min_fps (12 by default) keeps every frame at 12 fps.
            let slow = try await V.queueVideo(client, timelapse: timelapse, ["name": "slow", "target_seconds": 10])
            // 30 frames in 2 s: 15 fps, inside the bounds.
            let fits = try await V.queueVideo(client, timelapse: timelapse, ["name": "fits", "target_seconds": 2])

            let fastData = try await V.waitForCompleted(client, video: fast)
            let kept = (0..<20).map { instants[Int((Double($0) * 29 / 19).rounded())] }
            try await Self.checkRender(fastData, expected: kept, fps: 20, file: try V.videoFile(fixture, camera: camera, video: fastData),
                                       label: "target 1 s, max_fps 20")
            #expect(V.number(fastData["duration_seconds"]) == 1)

            let slowData = try await V.waitForCompleted(client, video: slow)
            try await Self.checkRender(slowData, expected: instants, fps: 12, file: try V.videoFile(fixture, camera: camera, video: slowData),
                                       label: "target 10 s, min_fps 12")
            #expect(V.number(slowData["duration_seconds"]) == 2.5)

            let fitsData = try await V.waitForCompleted(client, video: fits)
            try await Self.checkRender(fitsData, expected: instants, fps: 15, file: try V.videoFile(fixture, camera: camera, video: fitsData),
                                       label: "target 2 s")
        }
    }

    // MARK: 2. deflicker

    @Test("deflicker evens out frames of alternating exposure", arguments: TestEngines.all)
    func deflicker(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            try await V.setSettings(client, ["max_concurrent_renders": 2])
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            let count = 20
            let instants = (0..<count).map { V.utc(2026, 3, 2, 12, $0) }
            try await V.postFrames(client, camera: camera, at: instants) { V.scene(brightness: $0 % 2 == 0 ? 0.6 : 1.4, seed: $0) }
            // Mean luma is measured when the thumbnail is made; deflicker plans with it.
            try await V.waitForThumbnails(client, timelapse: timelapse, count: count)

            let plain = try await V.queueVideo(client, timelapse: timelapse, ["name": "plain", "fps": 10, "deflicker": false])
            let smooth = try await V.queueVideo(client, timelapse: timelapse, ["name": "smooth", "fps": 10, "deflicker": true])
            let plainData = try await V.waitForCompleted(client, video: plain)
            let smoothData = try await V.waitForCompleted(client, video: smooth)
            let plainLuma = try await V.lumaSeries(try V.videoFile(fixture, camera: camera, video: plainData))
            let smoothLuma = try await V.lumaSeries(try V.videoFile(fixture, camera: camera, video: smoothData))
            #expect(plainLuma.count == count && smoothLuma.count == count)

            func meanJump(_ series: [Double]) -> Double {
                zip(series, series.dropFirst()).map { abs($1 - $0) }.reduce(0, +) / Double(max(1, series.count - 1))
            }
            let before = meanJump(plainLuma), after = meanJump(smoothLuma)
            #expect(before > 30, "the flicker is there without deflicker: \(plainLuma)")
            #expect(after * 4 <= before, "deflicker: mean jump \(before) → \(after); \(smoothLuma)")
            // Deflicker keeps the overall brightness.
            let plainMean = plainLuma.reduce(0, +) / Double(plainLuma.count)
            let smoothMean = smoothLuma.reduce(0, +) / Double(smoothLuma.count)
            #expect(abs(plainMean - smoothMean) < 10, "mean luma \(plainMean) → \(smoothMean)")
            #expect((smoothData["settings"] as? [String: Any])?["deflicker"] as? Bool == true)
        }
    }

    // MARK: 3. serving the file

    @Test("the file: 200, single ranges, 416, HEAD, 304 on its ETag; the poster; no file for a failed or queued render",
          arguments: TestEngines.all)
    func serving(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            try await V.postFrames(client, camera: camera, at: (0..<12).map { V.utc(2026, 3, 2, 12, $0) }) { V.scene(seed: $0) }

            // A render that cannot store its file fails: `videos` is a plain file, not a folder.
            let videosDir = fixture.layout.root + "/" + DataLayout.videosDirectory(cameraId: Int64(camera), timelapseId: Int64(timelapse))
            try Data("in the way".utf8).write(to: URL(fileURLWithPath: videosDir))
            let failed = try await V.queueVideo(client, timelapse: timelapse, ["name": "blocked", "fps": 12])
            let failedData = try await V.waitForFinal(client, video: failed)
            #expect(failedData["status"] as? String == "failed")
            #expect((failedData["error"] as? String)?.isEmpty == false)
            #expect(failedData["file_url"] is NSNull)
            let failedEvent = await events.next(timeout: .seconds(20)) { $0.type == "video_failed" && $0.data["video_id"] as? Int == failed }
            #expect(failedEvent != nil, "video_failed published")
            #expect(try await client.execute(uri: "/api/videos/\(failed)/file", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/videos/\(failed)/file", method: .head).status == .notFound)
            #expect(try await client.execute(uri: "/api/videos/\(failed)/poster", method: .get).status == .notFound)
            try FileManager.default.removeItem(atPath: videosDir)

            let id = try await V.queueVideo(client, timelapse: timelapse, ["name": "served", "fps": 12])
            let queuedEvent = await events.next(timeout: .seconds(20)) { $0.type == "video_queued" && $0.data["video_id"] as? Int == id }
            #expect(queuedEvent?.data["timelapse_id"] as? Int == timelapse)
            let data = try await V.waitForCompleted(client, video: id)
            let completedEvent = await events.next(timeout: .seconds(20)) { $0.type == "video_completed" && $0.data["video_id"] as? Int == id }
            #expect(completedEvent?.data["frame_count"] as? Int == 12)
            #expect(data["file_url"] as? String == "/api/videos/\(id)/file")
            #expect(data["poster_url"] as? String == "/api/videos/\(id)/poster")
            let progress = try #require(data["progress"] as? [String: Any])
            #expect(progress["frames_done"] as? Int == 12 && progress["frames_total"] as? Int == 12)
            #expect(V.number(progress["percent"]) == 100)

            let path = try V.videoFile(fixture, camera: camera, video: data)
            let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let size = onDisk.count
            #expect(size > 100 && data["size_bytes"] as? Int == size)

            let full = try await client.execute(uri: "/api/videos/\(id)/file", method: .get)
            #expect(full.status == .ok)
            #expect(full.headers[.contentType] == "video/mp4")
            #expect(full.headers[.acceptRanges] == "bytes")
            #expect(Array(full.body.readableBytesView) == onDisk)
            let etag = try #require(full.headers[.eTag])
            #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"), "a strong ETag: \(etag)")

            let range = try await client.execute(uri: "/api/videos/\(id)/file", method: .get, headers: [.range: "bytes=0-99"])
            #expect(range.status == .partialContent)
            #expect(range.headers[.contentRange] == "bytes 0-99/\(size)")
            #expect(Array(range.body.readableBytesView) == Array(onDisk.prefix(100)))

            let tail = try await client.execute(uri: "/api/videos/\(id)/file", method: .get, headers: [.range: "bytes=\(size - 10)-"])
            #expect(tail.status == .partialContent)
            #expect(Array(tail.body.readableBytesView) == Array(onDisk.suffix(10)))

            let beyond = try await client.execute(uri: "/api/videos/\(id)/file", method: .get, headers: [.range: "bytes=\(size)-"])
            #expect(beyond.status == .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */\(size)")

            let head = try await client.execute(uri: "/api/videos/\(id)/file", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(size))
            #expect(head.headers[.eTag] == etag)
            #expect(head.body.readableBytes == 0)

            let notModified = try await client.execute(uri: "/api/videos/\(id)/file", method: .get, headers: [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            let otherTag = try await client.execute(uri: "/api/videos/\(id)/file", method: .get, headers: [.ifNoneMatch: "\"other\""])
            #expect(otherTag.status == .ok)

            let download = try await client.execute(uri: "/api/videos/\(id)/file?download=1", method: .get, headers: [.range: "bytes=0-0"])
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"served_v01.mp4\"")

            let poster = try await client.execute(uri: "/api/videos/\(id)/poster", method: .get)
            #expect(poster.status == .ok)
            #expect(poster.headers[.contentType] == "image/jpeg")
            let posterBytes = Array(poster.body.readableBytesView)
            #expect(posterBytes.prefix(2) == [0xFF, 0xD8])
            #expect(posterBytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: V.posterFile(forVideoFile: path)))))
            let decodedPoster = try #require(Fixtures.decode(posterBytes))
            #expect(decodedPoster.width > 0 && decodedPoster.width <= 320)

            #expect(try await client.execute(uri: "/api/videos/999999/file", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/videos/999999", method: .get).status == .notFound)
        }
    }

    @Test("a render waiting behind another has no file yet", arguments: TestEngines.all)
    func queuedHasNoFile(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            // One render at a time (the default); the first is slow: 4K frames through x265's slowest preset.
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            let big = try await V.checkedTool("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=3840x2160",
                                                         "-frames:v", "1", "-q:v", "3", "-f", "mjpeg", "-"])
            let jpeg = [UInt8](big.stdout)
            try await V.postFrames(client, camera: camera, at: (0..<8).map { V.utc(2026, 3, 2, 12, $0) }) { _ in jpeg }
            let slow = try await V.queueVideo(client, timelapse: timelapse, ["name": "slow", "resolution": "source", "codec": "hevc",
                                                                              "preset": "veryslow", "quality": 0])
            try await waitUntil("the slow render to start", timeout: .seconds(30)) {
                try await V.video(client, slow)["status"] as? String != "queued"
            }
            let waiting = try await V.queueVideo(client, timelapse: timelapse, ["name": "waiting", "fps": 12])
            let before = try await V.video(client, waiting)
            let file = try await client.execute(uri: "/api/videos/\(waiting)/file", method: .get)
            let poster = try await client.execute(uri: "/api/videos/\(waiting)/poster", method: .get)
            let after = try await V.video(client, waiting)
            #expect(before["status"] as? String == "queued", "the second render waits: \(before["status"] ?? "?")")
            #expect(before["file_url"] is NSNull)
            if after["status"] as? String != "completed" {
                #expect(file.status == .notFound)
                #expect(poster.status == .notFound)
                #expect((file.json["details"] as? [String: Any])?["status"] as? String != nil)
            }
            // Neither is needed any further.
            for id in [waiting, slow] {
                _ = try await client.execute(uri: "/api/videos/\(id)/cancel", method: .post)
                let ended = try await V.waitForFinal(client, video: id)
                #expect(ended["status"] as? String == "cancelled" || ended["status"] as? String == "completed")
            }
        }
    }

    // MARK: 4. validation

    @Test("each bad setting is a 422 naming its field; unknown timelapse 404; no frames 422; dry run matches the render",
          arguments: TestEngines.all)
    func validation(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            let instants = (0..<3).flatMap { day in [6, 9, 12, 15, 18].map { V.utc(2026, 3, 2 + day, $0, 0) } }
            try await V.postFrames(client, camera: camera, at: instants) { V.scene(seed: $0) }

            let bad: [(String, [String: Any])] = [
                ("fps", ["fps": 0]),
                ("fps", ["fps": 121]),
                ("target_seconds", ["fps": 24, "target_seconds": 10]),
                ("target_seconds", ["target_seconds": 0]),
                ("min_fps", ["target_seconds": 10, "min_fps": 0]),
                ("max_fps", ["target_seconds": 10, "min_fps": 30, "max_fps": 20]),
                ("codec", ["codec": "vp9"]),
                ("resolution", ["resolution": "480p"]),
                ("resolution", ["resolution": 8]),
                ("quality", ["quality": 52]),
                ("quality", ["codec": "av1", "quality": 64]),
                ("quality", ["quality": -1]),
                ("preset", ["preset": "warp"]),
                ("preset", ["codec": "av1", "preset": "veryfast"]),
                ("time_of_day", ["time_of_day": ["start": "25:00", "end": "10:00"]]),
                ("time_of_day", ["time_of_day": ["start": "08:00", "end": "8:30"]]),
                ("time_of_day", ["time_of_day": ["start": "08:00", "end": "08:00"]]),
                ("per_day", ["per_day": ["count": 0, "near": "12:00"]]),
                ("per_day", ["per_day": ["count": 1, "near": "noon"]]),
                ("every_nth", ["every_nth": 0]),
                ("overlay", ["overlay": ["kind": "emoji"]]),
                ("overlay", ["overlay": ["kind": "timestamp", "position": "upside_down"]]),
                ("overlay", ["overlay": ["kind": "text"]]),
                ("from", ["from": "yesterday"]),
                ("to", ["to": "2026-13-45T99:00:00Z"]),
                ("to", ["from": "2026-03-03T00:00:00Z", "to": "2026-03-02T00:00:00Z"]),
                ("name", ["name": "no spaces please"]),
            ]
            for (field, settings) in bad {
                for dryRun in [false, true] {
                    let response = try await V.requestVideo(client, timelapse: timelapse, settings, dryRun: dryRun)
                    #expect(response.status == .unprocessableContent, "\(settings) dry_run=\(dryRun): \(response.status)")
                    #expect((response.json["details"] as? [String: Any])?["field"] as? String == field,
                            "\(settings) dry_run=\(dryRun): \(response.json)")
                }
            }
            // Nothing was queued by any of them.
            let none = try await client.execute(uri: "/api/timelapses/\(timelapse)/videos", method: .get)
            #expect((none.json["data"] as? [Any])?.isEmpty == true)

            let noFrames = try await V.requestVideo(client, timelapse: timelapse, ["from": "2027-01-01T00:00:00Z"])
            #expect(noFrames.status == .unprocessableContent)
            let noFramesDry = try await V.requestVideo(client, timelapse: timelapse, ["from": "2027-01-01T00:00:00Z"], dryRun: true)
            #expect(noFramesDry.status == .ok && noFramesDry.data["frame_count"] as? Int == 0)
            #expect(try await V.requestVideo(client, timelapse: 999_999, ["fps": 24]).status == .notFound)
            #expect(try await V.requestVideo(client, timelapse: 999_999, ["fps": 24], dryRun: true).status == .notFound)
            #expect(try await client.execute(uri: "/api/timelapses/999999/videos", method: .get).status == .notFound)

            // A dry run answers what the render then reports.
            let settings: [String: Any] = ["name": "planned", "time_of_day": ["start": "08:00", "end": "16:00"], "every_nth": 2,
                                           "target_seconds": 0.25, "min_fps": 4, "max_fps": 8, "resolution": 160]
            let dryRun = try await V.requestVideo(client, timelapse: timelapse, settings, dryRun: true)
            #expect(dryRun.status == .ok)
            let planned = dryRun.data
            // 9 frames in 08:00–16:00, every 2nd → 5; 5 / 0.25 s = 20 fps, held to 8 → 2 frames kept, the first and last.
            #expect(planned["frame_count"] as? Int == 2)
            #expect(V.number(planned["fps"]) == 8)
            #expect(planned["width"] as? Int == 160 && planned["height"] as? Int == 120)
            #expect((V.number(planned["estimated_render_seconds"]) ?? -1) >= 0)
            #expect((planned["estimated_size_bytes"] as? Int ?? 0) > 0)
            let rendered = try await V.render(client, timelapse: timelapse, settings).data
            for key in ["frame_count", "fps", "duration_seconds", "width", "height"] {
                #expect(V.number(planned[key]) != nil && V.number(planned[key]) == V.number(rendered[key]),
                        "dry run \(key): \(planned[key] ?? "nil") vs \(rendered[key] ?? "nil")")
            }
            #expect(V.date(planned["first_frame_at"]) == V.date(rendered["first_frame_at"]))
            #expect(V.date(planned["last_frame_at"]) == V.date(rendered["last_frame_at"]))
            #expect(V.date(rendered["first_frame_at"]) == V.utc(2026, 3, 2, 9, 0))
            #expect(V.date(rendered["last_frame_at"]) == V.utc(2026, 3, 4, 15, 0))
        }
    }

    // MARK: 5. deletion

    @Test("deleting a video removes its file and poster; deleting the timelapse removes its videos", arguments: TestEngines.all)
    func deletion(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            try await V.postFrames(client, camera: camera, at: (0..<6).map { V.utc(2026, 3, 2, 12, $0) }) { V.scene(seed: $0) }
            let first = try await V.render(client, timelapse: timelapse, ["name": "clip", "fps": 6])
            let second = try await V.render(client, timelapse: timelapse, ["name": "clip", "fps": 6])
            #expect(first.data["version"] as? Int == 1 && second.data["version"] as? Int == 2)
            let firstFile = try V.videoFile(fixture, camera: camera, video: first.data)
            let secondFile = try V.videoFile(fixture, camera: camera, video: second.data)
            #expect(firstFile != secondFile)
            for path in [firstFile, secondFile, V.posterFile(forVideoFile: firstFile), V.posterFile(forVideoFile: secondFile)] {
                #expect(FileManager.default.fileExists(atPath: path), "\(path) written")
            }

            let deleted = try await client.execute(uri: "/api/videos/\(first.id)", method: .delete)
            #expect(deleted.status == .ok)
            #expect(deleted.data["id"] as? Int == first.id)
            #expect(!FileManager.default.fileExists(atPath: firstFile))
            #expect(!FileManager.default.fileExists(atPath: V.posterFile(forVideoFile: firstFile)))
            #expect(try await client.execute(uri: "/api/videos/\(first.id)", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/videos/\(first.id)/file", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/videos/\(first.id)", method: .delete).status == .notFound)
            // The other version is untouched.
            #expect(FileManager.default.fileExists(atPath: secondFile))
            #expect(try await client.execute(uri: "/api/videos/\(second.id)/file", method: .head).status == .ok)
            let list = try await client.execute(uri: "/api/timelapses/\(timelapse)/videos", method: .get)
            #expect((list.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [second.id])

            #expect(try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .delete).status == .ok)
            #expect(try await client.execute(uri: "/api/videos/\(second.id)", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/videos/\(second.id)/file", method: .get).status == .notFound)
            #expect(!FileManager.default.fileExists(atPath: secondFile))
            #expect(!FileManager.default.fileExists(atPath: V.posterFile(forVideoFile: secondFile)))
            #expect(try await client.execute(uri: "/api/timelapses/\(timelapse)/videos", method: .get).status == .notFound)
        }
    }

    // MARK: 6. overlay

    @Test("a day_number overlay draws its text in the cell of the 3 × 3 grid it names, and nowhere else",
          arguments: TestEngines.all)
    func overlay(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            try await V.setSettings(client, ["max_concurrent_renders": 4])
            let (camera, timelapse) = try await V.cameraWithTimelapse(client)
            try await V.postFrames(client, camera: camera, at: (0..<6).map { V.utc(2026, 3, 2, 12, $0) }) { V.scene(seed: $0) }
            let plain = try await V.queueVideo(client, timelapse: timelapse, ["name": "plain", "fps": 6])
            // (position, its cell: column, row)
            let positions: [(String, Int, Int)] = [("top_left", 0, 0), ("center", 1, 1), ("top_right", 2, 0), ("bottom_right", 2, 2)]
            var labelled: [(position: String, cell: (Int, Int), id: Int)] = []
            for (position, column, row) in positions {
                let id = try await V.queueVideo(client, timelapse: timelapse, ["name": position, "fps": 6,
                                                                                "overlay": ["kind": "day_number", "position": position]])
                labelled.append((position, (column, row), id))
            }
            let plainData = try await V.waitForCompleted(client, video: plain)
            let a = try await V.grayFrame(try V.videoFile(fixture, camera: camera, video: plainData), index: 3)
            for (position, cell, id) in labelled {
                let data = try await V.waitForCompleted(client, video: id)
                #expect(data["frame_count"] as? Int == 6)
                let overlay = (data["settings"] as? [String: Any])?["overlay"] as? [String: Any]
                #expect(overlay?["kind"] as? String == "day_number" && overlay?["position"] as? String == position)
                let b = try await V.grayFrame(try V.videoFile(fixture, camera: camera, video: data), index: 3)
                #expect(a.width == b.width && a.height == b.height)
                let w = a.width / 3, h = a.height / 3
                var differences: [Double] = []
                for row in 0..<3 {
                    for column in 0..<3 {
                        differences.append(V.meanAbsoluteDifference(a.pixels, b.pixels, imageWidth: a.width,
                                                                     x: column * w, y: row * h, w: w, h: h))
                    }
                }
                let own = differences[cell.1 * 3 + cell.0]
                let others = differences.enumerated().filter { $0.offset != cell.1 * 3 + cell.0 }.map(\.element)
                #expect(own > 1.5, "\(position): text drawn in its cell, mean difference \(own)")
                #expect(own > 5 * max(others.max() ?? 0, 0.2), "\(position): only there: \(differences)")
            }
        }
    }
}
