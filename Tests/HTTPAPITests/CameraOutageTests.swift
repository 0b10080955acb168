import Foundation
import HummingbirdTesting
import NIOCore
@testable import CameraCapture
import Database
import TestSupport
import Testing
import TimelapserCore

/// Outages as spans, against a real HTTP snapshot camera (python's http.server) made to fail by removing its file.
@Suite("Camera outages and uptime")
struct CameraOutageTests {
    @Test("a camera that fails for several intervals: one outage span, camera_offline then camera_online, uptime below 100",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason), arguments: TestEngines.all)
    func outageSpan(engine: DatabaseEngine) async throws {
        let tools = try CaptureTools.require()
        let snapshots = try await SnapshotTestServer.start(python: tools.python, files: ["scene.jpg": TestFrames.scene(width: 320, height: 240)])
        defer { snapshots.stop() }
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (cameraId, timelapseId) = try await Self.cameraWithTimelapse(client, port: snapshots.port)
            let created = try #require(Self.date(try await Self.camera(client, cameraId)["created_at"]))
            try await waitUntil("a first frame is stored", timeout: .seconds(60)) {
                try await Self.imageCount(client, timelapseId) >= 1
            }
            var camera = try await Self.camera(client, cameraId)
            #expect(camera["outage_open"] as? Bool == false)
            #expect(try await Self.outages(client, cameraId).isEmpty)

            // The camera goes down: every grab answers 404.
            let down = Date()
            try snapshots.hide("scene.jpg")
            var firstFailureAt: Date?
            try await waitUntil("the first failed grab is recorded", timeout: .seconds(30)) {
                let row = try await Self.camera(client, cameraId)
                let failures = row["consecutive_failures"] as? Int ?? 0
                // Seen with exactly one failure: its last_capture_at is the first failed grab of the run.
                if failures == 1 { firstFailureAt = Self.date(row["last_capture_at"]) }
                return failures >= 1
            }
            let offline = try #require(await events.next(timeout: .seconds(30)) { $0.type == "camera_offline" }, "camera_offline")
            let offlineSeen = Date()
            guard case .cameraOffline(let opened)? = offline.event else { Issue.record("\(offline.raw)"); return }
            #expect(opened.cameraId == Int64(cameraId))
            #expect(opened.endedAt == nil)
            #expect(opened.failedGrabs >= 2, "the default outage_after_failures is 2")
            #expect(opened.lastError?.contains("HTTP 404") == true, "\(opened.lastError ?? "nil")")
            camera = try await Self.camera(client, cameraId)
            #expect(camera["outage_open"] as? Bool == true)
            let openOutages = try await Self.outages(client, cameraId)
            #expect(openOutages.count == 1 && openOutages.first?["ended_at"] is NSNull, "\(openOutages)")
            // The span (milliseconds; events carry whole seconds) starts at the first failed grab of the run.
            let startedAt = try #require(Self.date(openOutages.first?["started_at"]))
            #expect(startedAt >= down.addingTimeInterval(-0.001) && startedAt <= offlineSeen)
            if let firstFailureAt { #expect(abs(startedAt.timeIntervalSince(firstFailureAt)) < 0.002, "started at the first failed grab") }
            #expect(Self.sameSecond(opened.startedAt, startedAt), "\(opened.startedAt) \(startedAt)")
            #expect(openOutages.first?["id"] as? Int == Int(opened.outageId))

            // Several more failed intervals, then the camera comes back.
            try await waitUntil("the camera failed several times", timeout: .seconds(30)) {
                try await Self.camera(client, cameraId)["consecutive_failures"] as? Int ?? 0 >= 4
            }
            let framesWhileDown = try await Self.imageCount(client, timelapseId)
            let up = Date()
            try snapshots.show("scene.jpg")
            let online = try #require(await events.next(timeout: .seconds(30)) { $0.type == "camera_online" }, "camera_online")
            let onlineSeen = Date()
            guard case .cameraOnline(let closed)? = online.event else { Issue.record("\(online.raw)"); return }
            #expect(closed.outageId == opened.outageId && closed.cameraId == Int64(cameraId))
            #expect(closed.startedAt == opened.startedAt)
            #expect(closed.endedAt != nil)
            #expect(closed.failedGrabs >= 4)

            // Exactly one span, as the events told.
            let spans = try await Self.outages(client, cameraId)
            #expect(spans.count == 1, "\(spans)")
            let span = try #require(spans.first)
            #expect(span["id"] as? Int == Int(closed.outageId))
            #expect(Self.date(span["started_at"]) == startedAt)
            let endedAt = try #require(Self.date(span["ended_at"]), "\(span)")
            #expect(endedAt >= up.addingTimeInterval(-0.001) && endedAt <= onlineSeen)
            #expect(closed.endedAt.map { Self.sameSecond($0, endedAt) } == true)
            try await waitUntil("a frame is stored after the recovery") { try await Self.imageCount(client, timelapseId) > framesWhileDown }
            // The recovering grab started (captured_at) before its success was recorded (ended_at); it may have started
            // just before the file came back, so it is the last frame captured at or before ended_at.
            let times = try await Self.capturedAt(client, timelapseId)
            let recovering = times.filter { $0 <= endedAt }.max()
            #expect(recovering.map { endedAt.timeIntervalSince($0) < 30 && $0 > startedAt } == true, "\(times) \(endedAt)")
            #expect(span["failed_grabs"] as? Int == closed.failedGrabs)
            #expect((span["last_error"] as? String)?.contains("HTTP 404") == true)
            camera = try await Self.camera(client, cameraId)
            #expect(camera["outage_open"] as? Bool == false)

            // Uptime over [creation, a fixed instant after the recovery]: the share not covered by the span.
            let rangeEnd = Date()
            let query = "from=\(Self.iso(created))&to=\(Self.iso(rangeEnd))"
            let uptime = try #require(try await Self.camera(client, cameraId, query: query)["uptime_percent"] as? Double)
            let total = rangeEnd.timeIntervalSince(created)
            let expected = 100 * (total - endedAt.timeIntervalSince(startedAt)) / total
            #expect(uptime > 0 && uptime < 100)
            #expect(abs(uptime - expected) <= 0.11, "uptime \(uptime), expected \(expected)")
            // The default range (the last 24 h) is clipped to the camera's creation: the same outage shows.
            let recent = try #require(camera["uptime_percent"] as? Double)
            #expect(recent > 0 && recent < 100)
            // A range with no outage in it.
            let after = "from=\(Self.iso(endedAt.addingTimeInterval(0.01)))&to=\(Self.iso(rangeEnd))"
            #expect(try await Self.camera(client, cameraId, query: after)["uptime_percent"] as? Double == 100)

            // The outages route filters by overlap with [from, to).
            #expect(try await Self.outages(client, cameraId, query: after).isEmpty)
            let before = "from=\(Self.iso(created.addingTimeInterval(-60)))&to=\(Self.iso(startedAt))"
            #expect(try await Self.outages(client, cameraId, query: before).isEmpty)
            let inside = "from=\(Self.iso(startedAt.addingTimeInterval(0.5)))&to=\(Self.iso(startedAt.addingTimeInterval(0.6)))"
            #expect(try await Self.outages(client, cameraId, query: inside).count == 1)
            let bad = try await client.execute(uri: "/api/cameras/\(cameraId)/outages?from=yesterday", method: .get)
            #expect(bad.status == .badRequest)
            let backwards = "from=\(Self.iso(startedAt))&to=\(Self.iso(created.addingTimeInterval(-60)))"
            let reversed = try await client.execute(uri: "/api/cameras/\(cameraId)/outages?\(backwards)", method: .get)
            #expect(reversed.status == .badRequest)
            #expect(try await client.execute(uri: "/api/cameras/999999/outages", method: .get).status == .notFound)

            // Deleting the camera removes its outages (cascade).
            let deleted = try await client.execute(uri: "/api/cameras/\(cameraId)", method: .delete)
            #expect(deleted.status == .ok, "\(deleted.status) \(deleted.json)")
            #expect(try await client.execute(uri: "/api/cameras/\(cameraId)/outages", method: .get).status == .notFound)
        }
    }

    @Test("fewer failed grabs than outage_after_failures make no outage; the setting moves the threshold",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason), arguments: TestEngines.all)
    func threshold(engine: DatabaseEngine) async throws {
        let tools = try CaptureTools.require()
        let snapshots = try await SnapshotTestServer.start(python: tools.python, files: ["scene.jpg": TestFrames.scene(width: 320, height: 240)])
        defer { snapshots.stop() }
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            // A threshold of 5 leaves seconds to bring the camera back after its first failed grab.
            let patched = try await client.execute(uri: "/api/settings", method: .patch, body: Self.json(["outage_after_failures": 5]))
            #expect(patched.status == .ok, "\(patched.json)")
            let (cameraId, timelapseId) = try await Self.cameraWithTimelapse(client, port: snapshots.port)
            try await waitUntil("a first frame is stored", timeout: .seconds(60)) { try await Self.imageCount(client, timelapseId) >= 1 }

            try snapshots.hide("scene.jpg")
            var seen = 0
            try await waitUntil("a failed grab is recorded", timeout: .seconds(30)) {
                seen = try await Self.camera(client, cameraId)["consecutive_failures"] as? Int ?? 0
                return seen >= 1
            }
            try snapshots.show("scene.jpg")
            #expect(seen < 5)
            try await waitUntil("the camera recovers", timeout: .seconds(30)) {
                try await Self.camera(client, cameraId)["consecutive_failures"] as? Int == 0
            }
            #expect(try await Self.outages(client, cameraId).isEmpty, "below the threshold: no outage")
            let camera = try await Self.camera(client, cameraId)
            #expect(camera["outage_open"] as? Bool == false)
            #expect(camera["uptime_percent"] as? Double == 100)
            #expect(await events.next(timeout: .milliseconds(200)) { $0.type == "camera_offline" } == nil)

            // At 1, one failed grab is an outage.
            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Self.json(["outage_after_failures": 1]))
            try snapshots.hide("scene.jpg")
            let offline = try #require(await events.next(timeout: .seconds(30)) { $0.type == "camera_offline" }, "camera_offline")
            try snapshots.show("scene.jpg")
            guard case .cameraOffline(let opened)? = offline.event else { Issue.record("\(offline.raw)"); return }
            #expect(opened.failedGrabs == 1)
            let online = try #require(await events.next(timeout: .seconds(30)) { $0.type == "camera_online" }, "camera_online")
            guard case .cameraOnline(let closed)? = online.event else { Issue.record("\(online.raw)"); return }
            #expect(closed.outageId == opened.outageId && closed.endedAt != nil)
            #expect(try await Self.outages(client, cameraId).count == 1)
        }
    }

    @Test("uptime: the range is clipped to the camera's creation and to now, open outages last until now, overlaps count once")
    func uptimeComputation() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
        func span(_ a: Double, _ b: Double?) -> OutageRecord {
            OutageRecord(id: 1, cameraId: 1, startedAt: at(a), endedAt: b.map(at), failedGrabs: 2, lastError: nil)
        }
        let uptime = { (spans: [OutageRecord], from: Double, to: Double, created: Double, now: Double) in
            OutageStore.uptimePercent(spans, from: at(from), to: at(to), notBefore: at(created), now: at(now))
        }
        #expect(uptime([], 0, 100, 0, 100) == 100)
        #expect(uptime([span(10, 20)], 0, 100, 0, 100) == 90)
        // Clipped to the range on both sides.
        #expect(uptime([span(-50, 10), span(95, 200)], 0, 100, 0, 1000) == 85)
        // Clipped to the creation: the range counts from it.
        #expect(uptime([span(60, 70)], 0, 100, 50, 100) == 80)
        // Clipped to now; an open outage lasts until now.
        #expect(uptime([span(40, nil)], 0, 100, 0, 50) == 80)
        // Overlapping and nested outages count once.
        #expect(uptime([span(10, 30), span(20, 40), span(25, 26), span(50, 60)], 0, 100, 0, 100) == 60)
        // One decimal.
        #expect(uptime([span(0, 1)], 0, 3, 0, 3) == 66.7)
        // Nothing of the range has passed, or it ends before the camera existed.
        #expect(uptime([], 0, 100, 200, 300) == nil)
        #expect(uptime([], 10, 100, 0, 5) == nil)
        #expect(uptime([span(0, nil)], 0, 100, 0, 1000) == 0)
    }

    // MARK: helpers

    static let interval = 1

    static func json(_ object: [String: Any]) -> ByteBuffer { ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)) }

    static func cameraWithTimelapse(_ client: some TestClientProtocol, port: Int) async throws -> (camera: Int, timelapse: Int) {
        let body: [String: Any] = ["name": "porch", "rtsp_url": "http://127.0.0.1:\(port)/scene.jpg", "capture_interval_seconds": interval]
        let camera = try await client.execute(uri: "/api/cameras", method: .post, body: json(body))
        let cameraId = try #require(camera.data["id"] as? Int, "\(camera.json)")
        let timelapse = try await client.execute(uri: "/api/cameras/\(cameraId)/timelapses", method: .post, body: json([:]))
        return (cameraId, try #require(timelapse.data["id"] as? Int, "\(timelapse.json)"))
    }

    static func camera(_ client: some TestClientProtocol, _ id: Int, query: String? = nil) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/cameras/\(id)" + (query.map { "?" + $0 } ?? ""), method: .get)
        #expect(response.status == .ok, "\(response.json)")
        return response.data
    }

    static func outages(_ client: some TestClientProtocol, _ id: Int, query: String? = nil) async throws -> [[String: Any]] {
        let response = try await client.execute(uri: "/api/cameras/\(id)/outages" + (query.map { "?" + $0 } ?? ""), method: .get)
        #expect(response.status == .ok, "\(response.json)")
        return response.json["data"] as? [[String: Any]] ?? []
    }

    static func imageCount(_ client: some TestClientProtocol, _ timelapse: Int) async throws -> Int {
        try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["image_count"] as? Int ?? 0
    }

    static func capturedAt(_ client: some TestClientProtocol, _ timelapse: Int) async throws -> [Date] {
        let page = try await client.execute(uri: "/api/timelapses/\(timelapse)/images?limit=500", method: .get)
        return (page.json["data"] as? [[String: Any]] ?? []).compactMap { date($0["captured_at"]) }.sorted()
    }

    static func date(_ value: Any?) -> Date? { (value as? String).flatMap(JSONDate.parse) }

    /// Whether `event` (an event's date, whole seconds) is `precise` cut to its second.
    static func sameSecond(_ event: Date, _ precise: Date) -> Bool {
        event.timeIntervalSince1970 == precise.timeIntervalSince1970.rounded(.down)
    }

    /// ISO 8601 with milliseconds, for a query string.
    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            .replacingOccurrences(of: "+", with: "%2B")
    }
}

extension SnapshotTestServer {
    /// Makes the camera answer 404 for `name`.
    func hide(_ name: String) throws {
        try FileManager.default.moveItem(atPath: directory + "/" + name, toPath: directory + "/" + name + ".hidden")
    }

    /// Serves `name` again.
    func show(_ name: String) throws {
        try FileManager.default.moveItem(atPath: directory + "/" + name + ".hidden", toPath: directory + "/" + name)
    }
}
