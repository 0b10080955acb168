@testable import CameraCapture
import Catalog
import Database
import DataDirectory
import Events
import Foundation
import Imaging
import Logging
import Synchronization
import Testing
import TestSupport
import ThumbnailJobs
import TimelapserCore

/// A wall clock that runs `speed` times faster than real time from `start`: the scheduler's hours pass in seconds.
struct FastClock: CaptureClock {
    let start: Date
    let speed: Double
    let origin = ContinuousClock.now

    func now() -> Date {
        let elapsed = ContinuousClock.now - origin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return start.addingTimeInterval(seconds * speed)
    }

    func sleep(until deadline: Date) async throws {
        let real = deadline.timeIntervalSince(now()) / speed
        if real > 0 { try await Task.sleep(for: .milliseconds(Int64((real * 1000).rounded(.up)))) }
        try Task.checkCancellation()
    }
}

@Suite("The capture scheduler on an injected clock")
struct CaptureSchedulerClockTests {
    @Test("captures only inside a time window in the camera's zone, once per slot of the epoch grid",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason), arguments: TestEngines.all)
    func windowOnInjectedClock(engine: DatabaseEngine) async throws {
        let tools = try CaptureTools.require()
        let snapshots = try await SnapshotTestServer.start(python: tools.python, files: ["scene.jpg": TestFrames.scene(width: 320, height: 240)])
        defer { snapshots.stop() }
        try await withTestDatabase(engine) { t in
            let berlin = TimeZone(identifier: "Europe/Berlin")!
            let calendar = { var c = Calendar(identifier: .gregorian); c.timeZone = berlin; return c }()
            @Sendable func local(_ h: Int, _ m: Int, _ s: Int = 0) -> Date {
                calendar.date(from: DateComponents(year: 2026, month: 6, day: 12, hour: h, minute: m, second: s))! // a Friday
            }
            // A one-minute interval, open 22:00–22:04 on Fridays in Berlin; the clock starts at 21:59, 30× fast (a slot
            // every 2 s of real time: a grab and its ingest fit even on a loaded machine).
            let window = CaptureWindow.time(start: 22 * 60, end: 22 * 60 + 4, days: [6])
            let (cameraId, timelapseId) = try await t.database.transaction { db in
                var camera = try await CameraStore.insert(db, name: "berlin", rtspUrl: "http://127.0.0.1:\(snapshots.port)/scene.jpg",
                                                          captureIntervalSeconds: 60, generateThumbnails: false, at: Date())
                camera.captureWindow = window.storedJSON
                camera.timezone = "Europe/Berlin"
                try await CameraStore.update(db, camera)
                let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "t", startedAt: local(12, 0), at: Date())
                return (camera.id, timelapse.id)
            }
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let settings = SettingsService(database: t.database)
            let events = EventBus()
            let queue = ThumbnailJobQueue(database: t.database, wake: WakeSignal())
            let disk = DiskGuard(layout: t.layout, settings: settings, events: events, wake: queue.wake, logger: logger)
            let ingest = FrameIngest(database: t.database, layout: t.layout, settings: settings, queue: queue, events: events,
                                     disk: disk, budget: DecodeMemoryBudget(capacity: 1 << 30), logger: logger)
            let clock = FastClock(start: local(21, 59), speed: 15)
            let scheduler = CaptureScheduler(database: t.database, ingest: ingest, rejections: RejectedFrameCounter(),
                                             outages: OutageLog(settings: settings, events: events, logger: logger),
                                             pollInterval: .milliseconds(100), logger: logger, clock: clock, owner: "clock-test")
            let running = Task { await scheduler.supervise() }
            // Until 22:05 on the fast clock (24 s of real time: a grab on a loaded machine must fit in 4 s).
            try await Task.sleep(for: .seconds(24))
            running.cancel()
            await running.value

            let frames = try await t.database.read { try await ImageStore.fetchAll($0, timelapseId: timelapseId) }
            let minutes = frames.map { calendar.dateComponents([.hour, .minute], from: $0.capturedAt) }.map { $0.hour! * 60 + $0.minute! }
            // Liveness on a clock 30× fast depends on the machine's load (a grab must fit in 2 s of real time); the
            // real-time capture tests check every slot. Here: something was captured, and only where it may be.
            #expect(frames.count >= 1, "slots of the window captured: \(frames.map(\.capturedAt))")
            // A frame is stamped when its attempt starts; under load an attempt for the 22:03 slot can start up to a
            // fast minute (4 s of real time) late, so 22:04 is the latest stamp a slot of the window can carry.
            #expect(minutes.allSatisfy { (22 * 60...22 * 60 + 4).contains($0) }, "only slots inside 22:00–22:04 Berlin: \(minutes)")
            #expect(minutes.filter { $0 == 22 * 60 + 4 }.count <= 1, "\(minutes)")
            #expect(Set(minutes).count == minutes.count, "one frame per slot: \(minutes)")
            // Frames are named by the camera's local time (Berlin), not the UTC setting.
            #expect(frames.allSatisfy { $0.filePath.contains("_day001_22") }, "\(frames.map(\.filePath))")
            // A graceful stop gave the lease up; the last claimed slot stays.
            let camera = try #require(try await t.database.read { try await CameraStore.fetchOne($0, id: cameraId) })
            #expect(camera.captureOwner == nil)
            #expect(camera.lastSlotAt.map { $0 >= local(22, 0) && $0 < local(22, 4) } == true, "\(String(describing: camera.lastSlotAt))")
        }
    }
}
