import AsyncHTTPClient
import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing
import TestSupport
import TimelapserCore

/// The life of a render beyond its happy path, with real ffmpeg, real frames and real HTTP: cancels (running,
/// queued, finished), a server killed mid-render and the rescue after its restart, render automation that fires
/// once across restarts, and renders of one name that wait for each other.
///
/// Serialized: the renders take the machine's cores, and the process tests run with a 3 s lease that a starved
/// heartbeat could lose.
@Suite("Video render lifecycle: cancel, crash rescue, automation across restarts", .serialized)
struct VideoLifecycleTests {
    typealias Support = VideoLifecycleSupport

    // MARK: cancel

    @Test("cancel mid-render kills ffmpeg and leaves no file; a queued render is cancelled at once; a finished one answers 409",
          arguments: TestEngines.all)
    func cancel(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            try await VideoTestSupport.setSettings(client, ["generate_thumbnails": false, "max_concurrent_renders": 1])
            let (camera, timelapse) = try await VideoTestSupport.cameraWithTimelapse(client)
            let scenes = Support.scenes(8)
            _ = try await VideoTestSupport.postFrames(client, camera: camera, at: Support.instants(Support.longFrameCount)) {
                scenes[$0 % scenes.count]
            }
            let long = try await VideoTestSupport.queueVideo(client, timelapse: timelapse, Support.longRender(name: "long"))
            // The only render slot is the long render's: this one waits in the queue.
            let waiting = try await VideoTestSupport.queueVideo(client, timelapse: timelapse, Support.shortRender(name: "short"))

            // The long render is under way: frames have gone to ffmpeg, which writes its scratch file.
            let progress = try #require(await events.next(timeout: .seconds(60)) {
                $0.type == "video_render_progress" && $0.data["video_id"] as? Int == long && ($0.data["frames_done"] as? Int ?? 0) > 0
            }, "no video_render_progress of the long render")
            #expect(progress.data["frames_total"] as? Int == Support.longFrameCount)
            #expect(try await VideoTestSupport.video(client, long)["status"] as? String == "rendering")
            let scratch = fixture.layout.renderScratchDirectory
            try await waitUntil("ffmpeg's scratch file", timeout: .seconds(20)) {
                Support.files(in: scratch).contains { $0.hasPrefix("video-\(long)-") }
            }
            #expect(!Support.renderProcesses(fixture.layout).isEmpty, "an ffmpeg writing into tmp/renders runs")

            // A queued render is cancelled at once, by the request itself.
            let queuedBefore = try await VideoTestSupport.video(client, waiting)
            #expect(queuedBefore["status"] as? String == "queued")
            let cancelQueued = try await client.execute(uri: "/api/videos/\(waiting)/cancel", method: .post)
            #expect(cancelQueued.status == .ok)
            #expect(cancelQueued.data["status"] as? String == "cancelled")
            let queuedAfter = try await VideoTestSupport.video(client, waiting)
            #expect(queuedAfter["status"] as? String == "cancelled")
            #expect(queuedAfter["attempts"] as? Int == 0)
            #expect(queuedAfter["started_at"] is NSNull)
            #expect(queuedAfter["file_url"] is NSNull)
            #expect(await events.next(timeout: .seconds(10)) {
                $0.type == "video_cancelled" && $0.data["video_id"] as? Int == waiting
            } != nil, "video_cancelled of the queued render")

            // The running render: ffmpeg is killed, the scratch file goes, nothing reaches videos/.
            let cancelRunning = try await client.execute(uri: "/api/videos/\(long)/cancel", method: .post)
            #expect(cancelRunning.status == .ok)
            let ended = try await VideoTestSupport.waitForFinal(client, video: long, timeout: .seconds(30))
            #expect(ended["status"] as? String == "cancelled")
            #expect(ended["file_url"] is NSNull)
            #expect((ended["progress"] as? [String: Any])?["frames_done"] as? Int ?? 0 < Support.longFrameCount,
                    "the render was stopped before its last frame")
            let cancelled = await events.next(timeout: .seconds(10)) { $0.type == "video_cancelled" && $0.data["video_id"] as? Int == long }
            #expect(cancelled != nil, "video_cancelled of the running render")
            #expect(cancelled?.data["timelapse_id"] as? Int == timelapse)
            #expect(Support.renderProcesses(fixture.layout).isEmpty, "no ffmpeg of the render survives its cancel")
            #expect(Support.files(in: scratch).isEmpty, "tmp/renders: \(Support.files(in: scratch))")
            let videos = Support.videosFolder(fixture.layout, camera: camera, timelapse: timelapse)
            #expect(Support.files(in: videos).isEmpty, "videos/: \(Support.files(in: videos))")

            // Final videos cannot be cancelled; the cancelled render stays as it is.
            let again = try await client.execute(uri: "/api/videos/\(long)/cancel", method: .post)
            #expect(again.status == .conflict)
            #expect(try await VideoTestSupport.video(client, long)["status"] as? String == "cancelled")
            let (done, completed) = try await VideoTestSupport.render(client, timelapse: timelapse, Support.shortRender(name: "short"))
            let file = try VideoTestSupport.videoFile(fixture, camera: camera, video: completed)
            #expect(FileManager.default.fileExists(atPath: file))
            let late = try await client.execute(uri: "/api/videos/\(done)/cancel", method: .post)
            #expect(late.status == .conflict)
            let after = try await VideoTestSupport.video(client, done)
            #expect(after["status"] as? String == "completed")
            #expect(after["file_url"] as? String == "/api/videos/\(done)/file")
            #expect(FileManager.default.fileExists(atPath: file), "a refused cancel leaves the file alone")
            let unknown = try await client.execute(uri: "/api/videos/999999/cancel", method: .post)
            #expect(unknown.status == .notFound)
        }
    }

    // MARK: kill -9

    @Test("kill -9 of the server mid-render: no file in videos/; after a restart the render is rescued, starts over and completes",
          arguments: TestEngines.all)
    func killedMidRender(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let environment = ["TIMELAPSER_JOB_LEASE_SECONDS": "3"]
            var server = try await Support.Server.start(t, log: "serve-1", environment: environment)
            defer {
                server.process.signal(SIGKILL)
                Support.killRenderProcesses(t.layout)
            }
            _ = try await server.request(.PATCH, "/api/settings", json: ["generate_thumbnails": false, "max_concurrent_renders": 1])
            let (camera, timelapse) = try await server.cameraWithTimelapse(started: VideoTestSupport.earlyStart)
            let scenes = Support.scenes(8)
            for (i, instant) in Support.instants(Support.longFrameCount).enumerated() {
                try await server.postFrame(camera: camera, scenes[i % scenes.count], at: instant)
            }
            let queued = try await server.request(.POST, "/api/timelapses/\(timelapse)/videos", json: Support.longRender(name: "long"))
            #expect(queued.status == 202, "\(queued.text)")
            let id = try #require(queued.data["video_id"] as? Int)

            // Rendering, with progress recorded by a heartbeat: then the server dies without a word.
            try await server.wait("the render to report progress", timeout: .seconds(60)) {
                let video = try await server.request(.GET, "/api/videos/\(id)").data
                return video["status"] as? String == "rendering"
                    && ((video["progress"] as? [String: Any])?["frames_done"] as? Int ?? 0) > 0
            }
            server.process.signal(SIGKILL)
            #expect(await server.process.waitForExit(timeout: .seconds(10)))
            let orphaned = try #require(try await t.database.read { try await VideoStore.fetchOne($0, id: Int64(id)) })
            #expect(orphaned.status == .rendering, "the kill landed mid-render")
            #expect(orphaned.attempts == 1)

            // ffmpeg outlives its parent for a moment (its input closed, it finishes its file): in tmp/renders only.
            let videos = Support.videosFolder(t.layout, camera: camera, timelapse: timelapse)
            #expect(Support.files(in: videos).filter { $0.hasSuffix(".mp4") }.isEmpty)
            try await waitUntil("the orphaned ffmpeg to exit", timeout: .seconds(60), interval: .milliseconds(100)) {
                Support.renderProcesses(t.layout).isEmpty
            }
            #expect(Support.files(in: videos).filter { $0.hasSuffix(".mp4") }.isEmpty, "videos/: \(Support.files(in: videos))")

            // The restarted server rescues the render once its lease has run out and renders it again.
            server = try await Support.Server.start(t, log: "serve-2", environment: environment)
            var final: [String: Any] = [:]
            try await server.wait("the rescued render to finish", timeout: .seconds(180), interval: .milliseconds(200)) {
                final = try await server.request(.GET, "/api/videos/\(id)").data
                return VideoTestSupport.finalStatuses.contains(final["status"] as? String ?? "")
            }
            #expect(final["status"] as? String == "completed", "\(final)\n\(server.logTail)")
            #expect(final["attempts"] as? Int ?? 0 >= 2)
            #expect(final["frame_count"] as? Int == Support.longFrameCount)
            #expect(server.process.log.contains("render rescued after its worker stopped"))
            let mp4s = Support.files(in: videos).filter { $0.hasSuffix(".mp4") }
            #expect(mp4s == ["long_v01.mp4"])
            #expect(try await VideoTestSupport.probeFrameCount(videos + "/long_v01.mp4") == Support.longFrameCount)
            #expect(Support.files(in: t.layout.renderScratchDirectory).isEmpty,
                    "tmp/renders: \(Support.files(in: t.layout.renderScratchDirectory))")

            server.process.signal(SIGTERM)
            #expect(await server.process.waitForExit(), "graceful stop")
        }
    }

    // MARK: automation across restarts

    @Test("automation fires once across restarts: milestones, on_completion and daily each queue exactly one render per trigger",
          arguments: TestEngines.all)
    func automationAcrossRestarts(engine: DatabaseEngine) async throws {
        // The daily trigger renders yesterday (UTC, the default timezone): keep clear of midnight.
        try await Support.awayFromMidnight()
        try await withTestDatabase(engine) { t in
            let environment = ["TIMELAPSER_AUTOMATION_INTERVAL_SECONDS": "1"]
            var server = try await Support.Server.start(t, log: "serve-1", environment: environment)
            defer {
                server.process.signal(SIGKILL)
                Support.killRenderProcesses(t.layout)
            }
            _ = try await server.request(.PATCH, "/api/settings", json: ["generate_thumbnails": false, "max_concurrent_renders": 1])
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .gmt
            let today = calendar.startOfDay(for: Date())
            let yesterday = today.addingTimeInterval(-86_400)
            let started = VideoTestSupport.iso(today.addingTimeInterval(-3 * 86_400))
            // Created in this order, so the probe is the last one each automation pass looks at.
            let (camera, timelapse) = try await server.cameraWithTimelapse(started: started, name: "main")
            let (dailyCamera, daily) = try await server.cameraWithTimelapse(started: started, name: "daily")
            let (probeCamera, probe) = try await server.cameraWithTimelapse(started: started, name: "probe")
            let frame = VideoTestSupport.scene(width: 160, height: 120)
            var mainFrames = Support.instants(6, from: yesterday.addingTimeInterval(-86_400 + 3600)).makeIterator()
            var probeFrames = Support.instants(3, from: yesterday.addingTimeInterval(-86_400 + 7200)).makeIterator()

            // The daily timelapse: frames the day before yesterday, yesterday and today; its automation is set after
            // them (a trigger that selects no frame is recorded without a render).
            let dailyInstants = [yesterday.addingTimeInterval(-3600), yesterday.addingTimeInterval(6 * 3600),
                                 yesterday.addingTimeInterval(12 * 3600), yesterday.addingTimeInterval(18 * 3600),
                                 today.addingTimeInterval(60)]
            for instant in dailyInstants { try await server.postFrame(camera: dailyCamera, frame, at: instant) }

            let automation: [String: Any] = ["milestones": ["every_frames": 3, "settings": ["fps": 5]],
                                             "on_completion": ["settings": ["name": "final", "fps": 5]]]
            let set = try await server.request(.PUT, "/api/timelapses/\(timelapse)/video-automation", json: automation)
            #expect(set.status == 200, "\(set.text)")
            #expect((set.data["milestones"] as? [String: Any])?["every_frames"] as? Int == 3)
            let got = try await server.request(.GET, "/api/timelapses/\(timelapse)/video-automation")
            #expect(((got.data["on_completion"] as? [String: Any])?["settings"] as? [String: Any])?["name"] as? String == "final")
            for (id, body) in [(daily, ["daily": ["at": "00:00", "settings": ["fps": 5]]] as [String: Any]),
                               (probe, ["milestones": ["every_frames": 1, "settings": ["name": "probe", "fps": 5]]])] {
                let response = try await server.request(.PUT, "/api/timelapses/\(id)/video-automation", json: body)
                #expect(response.status == 200, "\(response.text)")
            }

            // Three frames: one milestone render.
            for _ in 0..<3 { try await server.postFrame(camera: camera, frame, at: try #require(mainFrames.next())) }
            let milestone = try await server.waitForVideos(timelapse: timelapse, name: "milestone", count: 1)
            #expect(milestone[0]["version"] as? Int == 1)
            #expect(milestone[0]["origin"] as? String == "milestone")
            #expect(milestone[0]["frame_count"] as? Int == 3)
            #expect(((milestone[0]["settings"] as? [String: Any])?["fps"] as? NSNumber)?.doubleValue == 5)

            // The daily trigger, already due today: yesterday's frames, and only those.
            let dailyVideo = try await server.waitForVideos(timelapse: daily, name: "daily", count: 1)[0]
            #expect(dailyVideo["origin"] as? String == "daily")
            #expect(dailyVideo["frame_count"] as? Int == 3)
            let first = try #require(VideoTestSupport.date(dailyVideo["first_frame_at"]))
            let last = try #require(VideoTestSupport.date(dailyVideo["last_frame_at"]))
            #expect(first == yesterday.addingTimeInterval(6 * 3600) && last == yesterday.addingTimeInterval(18 * 3600))
            #expect(first >= yesterday && last < today, "\(first) – \(last) lies within yesterday")
            let dailyFile = t.layout.root + "/" + DataLayout.videoPath(cameraId: Int64(dailyCamera), timelapseId: Int64(daily),
                                                                        name: "daily", version: 1)
            #expect(try await VideoTestSupport.probeFrameCount(dailyFile) == 3)

            // Restart: nothing fires again.
            server = try await server.restart(t, log: "serve-2", environment: environment)
            try await server.probeTick(probe: probe, camera: probeCamera, frame: frame, at: try #require(probeFrames.next()), expected: 1)
            #expect(try await server.videos(timelapse: timelapse).count == 1)
            #expect(try await server.videos(timelapse: daily).count == 1)

            // Three more frames: the next milestone, version 2, of all six frames.
            for _ in 0..<3 { try await server.postFrame(camera: camera, frame, at: try #require(mainFrames.next())) }
            let milestones = try await server.waitForVideos(timelapse: timelapse, name: "milestone", count: 2)
            #expect(milestones.map { $0["version"] as? Int } == [2, 1])
            #expect(milestones[0]["frame_count"] as? Int == 6)

            // Completing the timelapse: one "final" render.
            let complete = try await server.request(.POST, "/api/timelapses/\(timelapse)/complete")
            #expect(complete.status == 200, "\(complete.text)")
            let final = try await server.waitForVideos(timelapse: timelapse, name: "final", count: 1)
            #expect(final[0]["origin"] as? String == "on_completion")
            #expect(final[0]["frame_count"] as? Int == 6)
            #expect(final[0]["version"] as? Int == 1)

            // Restart again: still one of each.
            server = try await server.restart(t, log: "serve-3", environment: environment)
            try await server.probeTick(probe: probe, camera: probeCamera, frame: frame, at: try #require(probeFrames.next()), expected: 2)
            let all = try await server.videos(timelapse: timelapse)
            #expect(all.filter { $0["name"] as? String == "final" }.count == 1)
            #expect(all.filter { $0["name"] as? String == "milestone" }.count == 2)
            #expect(all.count == 3)
            #expect(try await server.videos(timelapse: daily).count == 1)
            let files = Support.files(in: Support.videosFolder(t.layout, camera: camera, timelapse: timelapse)).filter { $0.hasSuffix(".mp4") }
            #expect(files == ["final_v01.mp4", "milestone_v01.mp4", "milestone_v02.mp4"])

            // Each trigger recorded once, whatever the restarts.
            let fires = try await t.database.read { try await VideoStore.fires($0, timelapseId: Int64(timelapse)) }
            #expect(fires.sorted() == ["milestone:3", "milestone:6", "on_completion"])
            let day = calendar.dateComponents([.year, .month, .day], from: today)
            let dailyFires = try await t.database.read { try await VideoStore.fires($0, timelapseId: Int64(daily)) }
            #expect(dailyFires == [String(format: "daily:%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)])

            server.process.signal(SIGTERM)
            #expect(await server.process.waitForExit(), "graceful stop")
        }
    }

    // MARK: one name at a time

    @Test("a render queued while one of the same name renders waits for it (another name does not); versions 1 and 2",
          arguments: TestEngines.all)
    func sameNameWaits(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            try await VideoTestSupport.setSettings(client, ["generate_thumbnails": false, "max_concurrent_renders": 2])
            let (camera, timelapse) = try await VideoTestSupport.cameraWithTimelapse(client)
            let scenes = Support.scenes(8)
            _ = try await VideoTestSupport.postFrames(client, camera: camera, at: Support.instants(Support.longFrameCount)) {
                scenes[$0 % scenes.count]
            }
            // A third of the frames at `veryslow`: a few seconds, long enough to watch the others wait or run.
            var long = Support.longRender(name: "same")
            long["every_nth"] = 3
            let first = try await VideoTestSupport.queueVideo(client, timelapse: timelapse, long)
            try await waitUntil("the first render to start", timeout: .seconds(30)) {
                try await VideoTestSupport.video(client, first)["status"] as? String != "queued"
            }
            let second = try await VideoTestSupport.queueVideo(client, timelapse: timelapse, Support.shortRender(name: "same"))
            let other = try await VideoTestSupport.queueVideo(client, timelapse: timelapse, Support.shortRender(name: "other"))

            // Until the first completes, the second stays queued (read before the first, so a completion between the
            // two reads cannot pass for a violation).
            var sawWaiting = false
            try await waitUntil("the first render to finish", timeout: .seconds(180), interval: .milliseconds(50)) {
                let secondStatus = try await VideoTestSupport.video(client, second)["status"] as? String
                let firstStatus = try await VideoTestSupport.video(client, first)["status"] as? String
                guard !VideoTestSupport.finalStatuses.contains(firstStatus ?? "") else { return true }
                #expect(secondStatus == "queued", "a render of the same name started while the first was \(firstStatus ?? "?")")
                if firstStatus == "rendering" && secondStatus == "queued" { sawWaiting = true }
                return false
            }
            #expect(sawWaiting)
            let a = try await VideoTestSupport.waitForCompleted(client, video: first)
            let b = try await VideoTestSupport.waitForCompleted(client, video: second)
            let o = try await VideoTestSupport.waitForCompleted(client, video: other)
            #expect(a["version"] as? Int == 1)
            #expect(b["version"] as? Int == 2)
            #expect(o["version"] as? Int == 1)
            let aCompleted = try #require(VideoTestSupport.date(a["completed_at"]))
            let bStarted = try #require(VideoTestSupport.date(b["started_at"]))
            let oStarted = try #require(VideoTestSupport.date(o["started_at"]))
            #expect(bStarted >= aCompleted, "the second render of the name started after the first completed")
            #expect(oStarted < aCompleted, "a render of another name ran beside it: the wait is the name's, not the limit's")
            #expect(b["attempts"] as? Int == 1)

            let folder = Support.videosFolder(fixture.layout, camera: camera, timelapse: timelapse)
            #expect(Support.files(in: folder).filter { $0.hasSuffix(".mp4") } == ["other_v01.mp4", "same_v01.mp4", "same_v02.mp4"])
            #expect(a["frame_count"] as? Int == Support.longFrameCount / 3)
            #expect(try await VideoTestSupport.probeFrameCount(folder + "/same_v01.mp4") == Support.longFrameCount / 3)
            #expect(try await VideoTestSupport.probeFrameCount(folder + "/same_v02.mp4") == b["frame_count"] as? Int)
            #expect(Support.files(in: fixture.layout.renderScratchDirectory).isEmpty)
        }
    }
}

/// Helpers of the lifecycle tests: long renders, the render processes and files of a data directory, and the real
/// `timelapser serve` as a child process.
enum VideoLifecycleSupport {
    /// Frames of a long render: at the `veryslow` preset they take ffmpeg several seconds.
    static let longFrameCount = 150

    /// A render that takes ffmpeg several seconds (150 busy 640×480 frames, each unlike the last, at `veryslow`).
    static func longRender(name: String) -> [String: Any] { ["name": name, "preset": "veryslow", "fps": 25] }

    /// A render of a few frames, quickly done.
    static func shortRender(name: String) -> [String: Any] { ["name": name, "every_nth": 30, "preset": "ultrafast", "fps": 5] }

    /// `count` different busy frames, cycled by the tests so that consecutive frames differ.
    static func scenes(_ count: Int, width: Int = 640, height: Int = 480) -> [[UInt8]] {
        (0..<count).map { TestFrames.scene(width: width, height: height, seed: $0 + 1) }
    }

    /// `count` instants a minute apart (by default from 2 March 2026, after ``VideoTestSupport/earlyStart``).
    static func instants(_ count: Int, from start: Date = VideoTestSupport.utc(2026, 3, 2, 8, 0), step: TimeInterval = 60) -> [Date] {
        (0..<count).map { start.addingTimeInterval(Double($0) * step) }
    }

    /// The names in a folder, sorted (none when it does not exist).
    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// The absolute `videos/` folder of a timelapse.
    static func videosFolder(_ layout: DataLayout, camera: Int, timelapse: Int) -> String {
        layout.root + "/" + DataLayout.videosDirectory(cameraId: Int64(camera), timelapseId: Int64(timelapse))
    }

    /// Live processes (of any parent: an orphan counts) whose command line names this data directory's render scratch
    /// folder: the render's ffmpeg (run through `nice`).
    static func renderProcesses(_ layout: DataLayout) -> [Int32] {
        let scratch = layout.renderScratchDirectory + "/"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            ChildProcesses.arguments(of: pid).contains { $0.hasPrefix(scratch) } && ChildProcesses.isAlive(pid)
        }
    }

    /// Kills what ``renderProcesses(_:)`` finds (the clean-up of a failed test).
    static func killRenderProcesses(_ layout: DataLayout) {
        for pid in renderProcesses(layout) { kill(pid, SIGKILL) }
    }

    /// Waits, when the clock is within a few minutes of midnight UTC, until it is safely past it: the daily trigger
    /// renders "yesterday", which must not change while a test runs.
    static func awayFromMidnight() async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let now = Date()
        let sinceMidnight = now.timeIntervalSince(calendar.startOfDay(for: now))
        if sinceMidnight < 120 {
            try await Task.sleep(for: .seconds(120 - sinceMidnight))
        } else if sinceMidnight > 86_400 - 300 {
            try await Task.sleep(for: .seconds(86_400 - sinceMidnight + 120))
        }
    }

    /// One HTTP answer of a server process.
    struct Reply: Sendable {
        var status: Int
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
        var list: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
    }

    /// `timelapser serve` as a child process on a test database and its data directory.
    struct Server: Sendable {
        let process: TimelapserProcess
        let port: Int

        /// Starts `serve` and waits until it answers.
        static func start(_ t: TestDatabase, log: String, environment: [String: String]) async throws -> Server {
            let port = TimelapserProcess.freePort()
            let process = try TimelapserProcess(
                ["serve", "--database-url", t.url, "--data-dir", t.layout.root, "--port", "\(port)", "--workers", "1"],
                environment: environment, logPath: t.layout.root + "/\(log).log")
            let server = Server(process: process, port: port)
            do {
                try await server.wait("the server to answer", timeout: .seconds(60), interval: .milliseconds(100)) {
                    (try? await server.request(.GET, "/api/health").status) == 200
                }
            } catch {
                process.signal(SIGKILL)
                throw error
            }
            return server
        }

        /// Stops this server gracefully (SIGTERM) and starts another on the same database and data directory.
        func restart(_ t: TestDatabase, log: String, environment: [String: String]) async throws -> Server {
            process.signal(SIGTERM)
            let stopped = await process.waitForExit()
            try #require(stopped, "the server did not stop on SIGTERM\n\(logTail)")
            #expect(process.process.terminationStatus == 0, "\(logTail)")
            return try await Server.start(t, log: log, environment: environment)
        }

        var logTail: String { "--- server log ---\n" + String(process.log.suffix(4000)) }

        /// ``waitUntil(_:timeout:interval:_:)``, failing with the end of the server's log.
        func wait(_ what: String, timeout: Duration, interval: Duration = .milliseconds(100),
                  _ condition: () async throws -> Bool) async throws {
            do {
                try await waitUntil(what, timeout: timeout, interval: interval, condition)
            } catch let error as DeadlineExceeded {
                throw TestSetupError("\(error)\n\(logTail)")
            }
        }

        func request(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, jpeg: [UInt8]? = nil) async throws -> Reply {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            if let json {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
            }
            if let jpeg {
                request.headers.add(name: "Content-Type", value: "image/jpeg")
                request.body = .bytes(ByteBuffer(bytes: jpeg))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            return Reply(status: Int(response.status.code), body: Data(body.readableBytesView))
        }

        /// A camera with a running timelapse; returns (camera id, timelapse id).
        func cameraWithTimelapse(started: String, name: String = "cam") async throws -> (camera: Int, timelapse: Int) {
            let camera = try await request(.POST, "/api/cameras", json: ["name": name])
            let cameraId = try #require(camera.data["id"] as? Int, "camera: \(camera.text)")
            let timelapse = try await request(.POST, "/api/cameras/\(cameraId)/timelapses", json: ["started_at": started])
            return (cameraId, try #require(timelapse.data["id"] as? Int, "timelapse: \(timelapse.text)"))
        }

        /// Posts one JPEG captured at `at`; requires 201.
        func postFrame(camera: Int, _ jpeg: [UInt8], at: Date) async throws {
            let reply = try await request(.POST, "/api/cameras/\(camera)/captures?captured_at=\(VideoTestSupport.iso(at))", jpeg: jpeg)
            try #require(reply.status == 201, "frame at \(VideoTestSupport.iso(at)): \(reply.status) \(reply.text)")
        }

        /// A timelapse's videos, newest first.
        func videos(timelapse: Int) async throws -> [[String: Any]] {
            let reply = try await request(.GET, "/api/timelapses/\(timelapse)/videos")
            try #require(reply.status == 200, "\(reply.text)")
            return reply.list
        }

        /// Waits until the timelapse has `count` videos named `name`, all completed; returns them, newest first.
        /// Fails at once when there are more, or one did not complete.
        @discardableResult
        func waitForVideos(timelapse: Int, name: String, count: Int, timeout: Duration = .seconds(90)) async throws -> [[String: Any]] {
            var named: [[String: Any]] = []
            try await wait("\(count) completed \"\(name)\" videos of timelapse \(timelapse)", timeout: timeout) {
                named = try await videos(timelapse: timelapse).filter { $0["name"] as? String == name }
                try #require(named.count <= count, "more \"\(name)\" videos than \(count): \(named.map { $0["id"] ?? "?" })")
                let finished = named.filter { VideoTestSupport.finalStatuses.contains($0["status"] as? String ?? "") }
                try #require(finished.allSatisfy { $0["status"] as? String == "completed" },
                             "\(finished.map { "\($0["status"] ?? "?"): \($0["error"] ?? "")" })")
                return named.count == count && finished.count == count
            }
            return named
        }

        /// Proof that an automation pass ran after this point: a frame for the probe timelapse (milestones every frame,
        /// the highest id, so the last one each pass looks at) fires its next render, `expected` in all. Every
        /// automated timelapse was looked at in that pass.
        func probeTick(probe: Int, camera: Int, frame: [UInt8], at: Date, expected: Int) async throws {
            try await postFrame(camera: camera, frame, at: at)
            try await waitForVideos(timelapse: probe, name: "probe", count: expected)
        }
    }
}
