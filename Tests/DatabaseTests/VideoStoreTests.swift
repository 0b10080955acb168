import Database
import Foundation
import SQLKit
import Testing
import TestSupport
import TimelapserCore

@Suite("The render queue on both engines")
struct VideoStoreTests {
    static func timelapse(_ t: TestDatabase) async throws -> TimelapseRecord {
        try await t.database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "cam", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: Date())
            return try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "t", startedAt: Date(), at: Date())
        }
    }

    static func queue(_ t: TestDatabase, _ timelapse: TimelapseRecord, name: String) async throws -> VideoRecord {
        try await t.database.transaction { db in
            let version = try await VideoStore.nextVersion(db, timelapseId: timelapse.id, name: name)
            return try await VideoStore.insert(db, timelapseId: timelapse.id, name: name, version: version,
                                               filePath: "videos/\(name)_v\(version).mp4", origin: .manual, settings: "{}", at: Date())
        }
    }

    static func claim(_ t: TestDatabase, _ worker: String, limit: Int = 5, lease: TimeInterval = 30) async throws -> [VideoRecord] {
        try await t.database.autocommit { try await VideoStore.claim($0, workerId: worker, limit: limit, leaseUntil: Date().addingTimeInterval(lease), at: Date()) }
    }

    @Test("versions count up per name; renders of one name run one at a time, in order", arguments: TestEngines.all)
    func sameNameWaits(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let timelapse = try await Self.timelapse(t)
            let a1 = try await Self.queue(t, timelapse, name: "daily")
            let a2 = try await Self.queue(t, timelapse, name: "daily")
            let b1 = try await Self.queue(t, timelapse, name: "full")
            #expect([a1.version, a2.version, b1.version] == [Int](arrayLiteral: 1, 2, 1))
            #expect(a1.status == .queued)
            let first = try await Self.claim(t, "w1")
            #expect(first.map(\.id) == [a1.id, b1.id])
            #expect(try await Self.claim(t, "w2").isEmpty)
            let done = RenderedVideo(posterPath: nil, frameCount: 3, firstFrameAt: nil, lastFrameAt: nil, fps: 24, durationSeconds: 0.125,
                                     sizeBytes: 1000, codec: "h264", width: 2, height: 2, renderMs: 10)
            // Fencing: another worker cannot complete it.
            let stolen = try await t.database.autocommit { try await VideoStore.complete($0, id: a1.id, workerId: "w2", done, at: Date()) }
            #expect(!stolen)
            #expect(try await t.database.autocommit { try await VideoStore.complete($0, id: a1.id, workerId: "w1", done, at: Date()) })
            #expect(try await Self.claim(t, "w2").map(\.id) == [a2.id])
            #expect(try await t.database.read { try await VideoStore.totalBytes($0) } == 1000)
        }
    }

    @Test("heartbeat reports a cancel; cancel of a queued render is immediate; expired leases are rescued", arguments: TestEngines.all)
    func cancelAndRescue(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let timelapse = try await Self.timelapse(t)
            let running = try await Self.queue(t, timelapse, name: "a")
            let waiting = try await Self.queue(t, timelapse, name: "b")
            _ = try await Self.claim(t, "w1", limit: 1, lease: -1)  // a lease already expired: the worker "died"
            let cancelled = try await t.database.autocommit { try await VideoStore.requestCancel($0, id: waiting.id, at: Date()) }
            #expect(cancelled?.status == .cancelled)
            #expect(try await t.database.autocommit { try await VideoStore.requestCancel($0, id: waiting.id, at: Date()) } == nil)
            let rescued = try await t.database.autocommit { try await VideoStore.rescueExpired($0, maxAttempts: 3, at: Date()) }
            #expect(rescued.map(\.id) == [running.id])
            let requeued = try #require(try await t.database.read { try await VideoStore.fetchOne($0, id: running.id) })
            #expect(requeued.status == .queued && requeued.lockedBy == nil && requeued.attempts == 1)
            // The rescued worker's heartbeat learns it lost the render.
            #expect(try await t.database.autocommit {
                try await VideoStore.heartbeat($0, id: running.id, workerId: "w1", leaseUntil: Date(), framesTotal: 1, framesDone: 0,
                                               renderFps: nil, etaSeconds: nil)
            } == nil)
            _ = try await Self.claim(t, "w2")
            _ = try await t.database.autocommit { try await VideoStore.requestCancel($0, id: running.id, at: Date()) }
            let flagged = try await t.database.autocommit {
                try await VideoStore.heartbeat($0, id: running.id, workerId: "w2", leaseUntil: Date().addingTimeInterval(30), framesTotal: 10,
                                               framesDone: 4, renderFps: 2, etaSeconds: 3)
            }
            #expect(flagged == true)
            #expect(try await t.database.autocommit {
                try await VideoStore.finish($0, id: running.id, workerId: "w2", status: .cancelled, error: nil, at: Date())
            })
            #expect(try await t.database.read { try await VideoStore.counts($0) } == [.cancelled: 2])
        }
    }

    @Test("an automation trigger is recorded once", arguments: TestEngines.all)
    func triggerOnce(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let timelapse = try await Self.timelapse(t)
            #expect(try await t.database.transaction { try await VideoStore.recordFire($0, timelapseId: timelapse.id, key: "milestone:10", at: Date()) })
            #expect(try await t.database.transaction { try await VideoStore.recordFire($0, timelapseId: timelapse.id, key: "milestone:10", at: Date()) } == false)
            #expect(try await t.database.read { try await VideoStore.fires($0, timelapseId: timelapse.id) } == ["milestone:10"])
            #expect(try await t.database.autocommit { try await VideoStore.setAutomation($0, timelapseId: timelapse.id, json: "{\"daily\":{}}") })
            #expect(try await t.database.read { try await VideoStore.automated($0) }.map(\.timelapse.id) == [timelapse.id])
            #expect(try await t.database.read { try await VideoStore.automation($0, timelapseId: timelapse.id) } == "{\"daily\":{}}")
        }
    }
}
