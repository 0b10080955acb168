import AsyncHTTPClient
import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

/// Capture windows, per-camera time zones and one capturer per camera across servers, over real HTTP with a real
/// snapshot camera (and, for the handover, two `timelapser serve` processes on one PostgreSQL database).
@Suite("Capture windows, camera time zones and capture leases", .serialized)
struct CaptureWindowTests {
    static func json(_ object: [String: Any]) -> ByteBuffer { CapturePipelineTests.json(object) }

    static func date(_ value: Any?) -> Date? {
        (value as? String).flatMap { JSONDate.parse($0) }
    }

    /// A UTC "HH:MM" `minutes` after now (mod one day).
    static func clock(minutesFromNow minutes: Int, now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.hour, .minute], from: now)
        let total = ((parts.hour ?? 0) * 60 + (parts.minute ?? 0) + minutes + 1440) % 1440
        return String(format: "%02d:%02d", total / 60, total % 60)
    }

    @Test("a closed window captures nothing and shows when it opens; an open one captures on the grid",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason), arguments: TestEngines.all)
    func windowGatesCaptures(engine: DatabaseEngine) async throws {
        let tools = try CaptureTools.require()
        let snapshots = try await SnapshotTestServer.start(python: tools.python, files: ["scene.jpg": TestFrames.scene(width: 320, height: 240)])
        defer { snapshots.stop() }
        try await withTestServer(engine) { client, _ in
            // Opens in two hours (UTC) for one hour: closed now.
            let window: [String: Any] = ["mode": "time", "start": Self.clock(minutesFromNow: 120), "end": Self.clock(minutesFromNow: 180)]
            let created = try await client.execute(uri: "/api/cameras", method: .post, body: Self.json([
                "name": "night", "rtsp_url": "http://127.0.0.1:\(snapshots.port)/scene.jpg", "capture_interval_seconds": 1,
                "capture_window": window, "timezone": "UTC",
            ]))
            let camera = try #require(created.data["id"] as? Int, "\(created.json)")
            #expect(created.data["window_open"] as? Bool == false)
            #expect(created.data["next_capture_at"] is NSNull, "no timelapse yet: \(created.data)")
            let timelapse = try await client.execute(uri: "/api/cameras/\(camera)/timelapses", method: .post, body: Self.json([:]))
            let timelapseId = try #require(timelapse.data["id"] as? Int)

            let shown = try await CameraCaptureTests.camera(client, camera)
            #expect(shown["window_open"] as? Bool == false)
            let next = try #require(Self.date(shown["next_capture_at"]), "\(shown)")
            let untilOpening = next.timeIntervalSinceNow
            #expect(untilOpening > 118 * 60 && untilOpening <= 120 * 60, "opens in two hours: \(next)")
            #expect(next.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0, "on the minute: \(next)")
            // The list shows the same.
            let list = try await client.execute(uri: "/api/cameras", method: .get)
            let listed = try #require((list.json["data"] as? [[String: Any]])?.first { $0["id"] as? Int == camera })
            #expect(Self.date(listed["next_capture_at"]) == next)

            // Several intervals pass without a capture.
            try await Task.sleep(for: .seconds(4))
            #expect(try await CameraCaptureTests.timelapse(client, timelapseId)["image_count"] as? Int == 0)

            // Open since an hour ago: captures start, on the epoch grid of whole seconds.
            let open: [String: Any] = ["mode": "time", "start": Self.clock(minutesFromNow: -60), "end": Self.clock(minutesFromNow: 60)]
            let patched = try await client.execute(uri: "/api/cameras/\(camera)", method: .patch, body: Self.json(["capture_window": open]))
            #expect(patched.data["window_open"] as? Bool == true, "\(patched.json)")
            let soon = try #require(Self.date(patched.data["next_capture_at"]))
            #expect(soon.timeIntervalSinceNow <= 1.5, "\(soon)")
            try await waitUntil("frames arrive in the open window", timeout: .seconds(60)) {
                try await CameraCaptureTests.timelapse(client, timelapseId)["image_count"] as? Int ?? 0 >= 3
            }
            let times = try await CameraCaptureTests.capturedAt(client, timelapseId)
            let slots = times.map { Int($0.timeIntervalSince1970.rounded(.down)) }
            #expect(Set(slots).count == slots.count, "one frame per slot: \(times)")
        }
    }

    @Test("a camera with its own time zone names frames and numbers days by its local time", arguments: TestEngines.all)
    func cameraTimeZoneNamesFrames(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            // The setting stays UTC; the camera lives in Tokyo (UTC+9, no daylight saving).
            let created = try await client.execute(uri: "/api/cameras", method: .post, body: Self.json([
                "name": "tokyo", "timezone": "Asia/Tokyo",
            ]))
            let camera = try #require(created.data["id"] as? Int, "\(created.json)")
            let timelapse = try await client.execute(uri: "/api/cameras/\(camera)/timelapses", method: .post,
                                                     body: Self.json(["started_at": "2026-03-02T00:00:00Z"]))
            let timelapseId = try #require(timelapse.data["id"] as? Int, "\(timelapse.json)")
            // 16:00 UTC is 01:00 the next day in Tokyo: day 2 (the timelapse started at 09:00 on day 1 there).
            let upload = try await client.execute(uri: "/api/cameras/\(camera)/captures?captured_at=2026-03-02T16:00:00Z",
                                                  method: .post, headers: [.contentType: "image/jpeg"],
                                                  body: ByteBuffer(bytes: TestFrames.scene(width: 320, height: 240)))
            #expect(upload.status == .created, "\(upload.json)")
            let page = try await client.execute(uri: "/api/timelapses/\(timelapseId)/images", method: .get)
            let image = try #require((page.json["data"] as? [[String: Any]])?.first)
            let path = try #require(image["file_path"] as? String)
            #expect(path.hasSuffix("timelapse-\(timelapseId)_day002_010000.jpg"), "\(path)")
            #expect(image["day_number"] as? Int == 2)
        }
    }

    @Test("a video's time-of-day selection uses its camera's time zone", arguments: TestEngines.all)
    func videoSelectionInCameraZone(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let created = try await client.execute(uri: "/api/cameras", method: .post, body: Self.json(["name": "tokyo", "timezone": "Asia/Tokyo"]))
            let camera = try #require(created.data["id"] as? Int, "\(created.json)")
            let timelapse = try await client.execute(uri: "/api/cameras/\(camera)/timelapses", method: .post,
                                                     body: Self.json(["started_at": "2026-03-01T00:00:00Z"]))
            let timelapseId = try #require(timelapse.data["id"] as? Int, "\(timelapse.json)")
            // 09:00, 12:00 and 21:00 in Tokyo (00:00, 03:00 and 12:00 UTC).
            for (seed, hour) in [(1, "00"), (2, "03"), (3, "12")] {
                let upload = try await client.execute(uri: "/api/cameras/\(camera)/captures?captured_at=2026-03-02T\(hour):00:00Z",
                                                      method: .post, headers: [.contentType: "image/jpeg"],
                                                      body: ByteBuffer(bytes: TestFrames.scene(width: 320, height: 240, seed: seed)))
                #expect(upload.status == .created, "\(upload.json)")
            }
            let dryRun = try await VideoTestSupport.requestVideo(client, timelapse: timelapseId,
                                                                 ["time_of_day": ["start": "08:00", "end": "13:00"]], dryRun: true)
            #expect(dryRun.status == .ok, "\(dryRun.json)")
            #expect(dryRun.data["frame_count"] as? Int == 2, "08:00–13:00 in Tokyo, not UTC: \(dryRun.json)")
        }
    }

    // MARK: two servers

    @Test("two servers on one PostgreSQL: each slot captured once; kill -9 of the owner, the other takes over",
          .enabled(if: CaptureTools.runnable && TestEngines.all.contains(.postgresql),
                   Comment("needs PostgreSQL (TIMELAPSER_TEST_POSTGRES_URL) and python3 for the snapshot camera")))
    func twoServersOneCapturer() async throws {
        let tools = try CaptureTools.require()
        let snapshots = try await SnapshotTestServer.start(python: tools.python, files: ["scene.jpg": TestFrames.scene(width: 320, height: 240)])
        defer { snapshots.stop() }
        try await withTestDatabase(.postgresql) { t in
            typealias Server = VideoLifecycleSupport.Server
            let first = try await Server.start(t, log: "serve-a", environment: [:])
            let second = try await Server.start(t, log: "serve-b", environment: [:])
            defer {
                first.process.signal(SIGKILL)
                second.process.signal(SIGKILL)
            }
            let interval = 2.0
            _ = try await first.request(.PATCH, "/api/settings", json: ["generate_thumbnails": false])
            let camera = try await first.request(.POST, "/api/cameras", json: [
                "name": "shared", "rtsp_url": "http://127.0.0.1:\(snapshots.port)/scene.jpg", "capture_interval_seconds": Int(interval),
            ])
            let cameraId = try #require(camera.data["id"] as? Int, "\(camera.text)")
            let timelapse = try await first.request(.POST, "/api/cameras/\(cameraId)/timelapses", json: [:])
            let timelapseId = try #require(timelapse.data["id"] as? Int, "\(timelapse.text)")

            func frames() async throws -> [Date] {
                let page = try await second.request(.GET, "/api/timelapses/\(timelapseId)/images?limit=500")
                return page.list.compactMap { Self.date($0["captured_at"]) }.sorted()
            }
            try await first.wait("frames from the owner", timeout: .seconds(90)) { try await frames().count >= 5 }
            let owner = try #require(try await t.database.read { try await CameraStore.fetchOne($0, id: Int64(cameraId)) }?.captureOwner)
            let (victim, survivor) = owner.contains("-\(first.process.pid)-") ? (first, second) : (second, first)
            #expect(owner.contains("-\(victim.process.pid)-"), "owner \(owner) is one of the servers")

            // The owner dies without a word; the other server takes over within its lease and an interval or so.
            victim.process.signal(SIGKILL)
            #expect(await victim.process.waitForExit(timeout: .seconds(10)))
            let killedAt = Date()
            try await survivor.wait("frames after the kill", timeout: .seconds(60)) {
                try await frames().filter { $0 > killedAt }.count >= 3
            }
            let all = try await frames()
            let firstAfter = try #require(all.first { $0 > killedAt })
            let gap = firstAfter.timeIntervalSince(killedAt)
            // The lease (2 s at this interval) plus one interval, with slack for a loaded machine.
            #expect(gap < 2 + interval + 6, "taken over \(gap) s after the kill\n\(survivor.logTail)")
            let taker = try #require(try await t.database.read { try await CameraStore.fetchOne($0, id: Int64(cameraId)) }?.captureOwner)
            #expect(taker.contains("-\(survivor.process.pid)-"), "the survivor owns the camera: \(taker)")

            // Every slot once: one frame per multiple of the interval, nothing refused as a duplicate.
            let slots = all.map { Int(($0.timeIntervalSince1970 / interval).rounded(.down)) }
            #expect(Set(slots).count == slots.count, "no slot captured twice: \(all)")
            let log = victim.process.log + survivor.process.log
            #expect(!log.contains("same second"), "no frame refused as a duplicate")
            #expect(survivor.process.log.contains("capture lease taken"))
            let camera2 = try await survivor.request(.GET, "/api/cameras/\(cameraId)")
            #expect(camera2.data["window_open"] as? Bool == true)
            #expect(Self.date(camera2.data["next_capture_at"]) != nil)
        }
    }
}
