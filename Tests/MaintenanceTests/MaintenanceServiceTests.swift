@testable import Database
import DataDirectory
import Events
import Foundation
import Logging
@testable import Maintenance
import Testing
import TestSupport
@testable import ThumbnailJobs
@testable import TimelapserCore

/// Maintenance services on a real database and data directory, without a worker: jobs stay where the test
/// puts them, so session accounting is deterministic.
@Suite("Thumbnail maintenance services")
struct MaintenanceServiceTests {
    struct Fixture {
        let t: TestDatabase
        let maintenance: ThumbnailMaintenance
        let queue: ThumbnailJobQueue
        let events: EventBus
        let timelapseId: Int64
        let images: [ImageRecord]
    }

    /// A camera, a running timelapse and `count` image rows whose frames exist on disk (no variants yet).
    static func fixture(_ t: TestDatabase, count: Int) async throws -> Fixture {
        var logger = Logger(label: "maintenance-test")
        logger.logLevel = .warning
        let events = EventBus()
        let queue = ThumbnailJobQueue(database: t.database, wake: WakeSignal())
        let maintenance = ThumbnailMaintenance(database: t.database, layout: t.layout, settings: SettingsService(database: t.database),
                                               queue: queue, events: events, logger: logger)
        let started = Date(timeIntervalSince1970: 1_772_352_000)  // 2026-03-01T08:00:00Z
        let (timelapse, images) = try await t.database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "cam", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: started)
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "t", startedAt: started, at: started)
            var images: [ImageRecord] = []
            for i in 0..<count {
                let name = DataLayout.frameName(timelapseId: timelapse.id, dayNumber: 1, clock: String(format: "0900%02d", i))
                let path = DataLayout.framesDirectory(cameraId: camera.id, timelapseId: timelapse.id) + "/" + name
                images.append(try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: path,
                                                          capturedAt: started + 3600 + Double(i), dayNumber: 1, fileSize: 10,
                                                          width: 64, height: 48, at: started))
            }
            return (timelapse, images)
        }
        for image in images {
            let path = t.layout.absolutePath(image.filePath)!
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(TestFrames.scene(width: 64, height: 48)).write(to: URL(fileURLWithPath: path))
        }
        return Fixture(t: t, maintenance: maintenance, queue: queue, events: events, timelapseId: timelapse.id, images: images)
    }

    @Test("a session: one at a time, cancel empties its pending jobs, status ends it", arguments: TestEngines.all)
    func sessionLifecycle(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let f = try await Self.fixture(t, count: 6)
            // One image already has a job (a capture's): the session skips it and does not count it.
            try await f.queue.enqueue(imageId: f.images[0].id, priority: .medium)
            let start = try await f.maintenance.regeneration.start(force: true)
            #expect(start.jobsQueued == 5)
            #expect(start.skippedWithActiveJob == 1)
            await #expect(throws: MaintenanceError.regenerationActive(sessionId: start.sessionId)) {
                try await f.maintenance.regeneration.start()
            }
            var status = try await f.maintenance.regeneration.status()
            #expect(status.active && status.total == 5 && status.pending == 5 && status.completed == 0)

            // A worker holds one job of the session: cancel leaves it running and the session active.
            let claimed = try await f.queue.claim(workerId: "w", limit: 10)
            let sessionJob = try #require(claimed.first { $0.sessionId == start.sessionId })
            for job in claimed where job.id != sessionJob.id { try await f.queue.release(workerId: "w", jobIds: [job.id]) }
            let cancelled = try await f.maintenance.regeneration.cancel()
            #expect(cancelled.cancelledJobs == 4)
            #expect(cancelled.progress.active)
            #expect(try await f.queue.counts(sessionId: start.sessionId).pending == 0)

            _ = try await t.database.transaction {
                try await JobStore.complete($0, jobId: sessionJob.id, workerId: "w", processingTimeMs: 5, at: Date())
            }
            status = try await f.maintenance.regeneration.status()
            #expect(!status.active)
            #expect(status.status == .cancelled)
            #expect(status.completed == 1 && status.cancelled == 4 && status.pending == 0)
            await #expect(throws: MaintenanceError.noActiveRegeneration) { try await f.maintenance.regeneration.cancel() }

            // Nothing is active now: a new session may start; force=false queues only images missing variants.
            let second = try await f.maintenance.regeneration.start(force: false, limit: 2)
            #expect(second.jobsQueued == 2)
            #expect(second.sessionId != start.sessionId)
        }
    }

    @Test("a capture queued after a big session is claimed before the session's jobs", arguments: TestEngines.all)
    func capturesRankFirst(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let f = try await Self.fixture(t, count: 40)
            let start = try await f.maintenance.regeneration.start(force: true, limit: 39)
            #expect(start.jobsQueued == 39)
            // The newest image arrives now: its capture job must be the next one a worker takes.
            try await f.queue.enqueue(imageId: f.images[39].id, priority: .medium)
            let next = try await f.queue.claim(workerId: "w", limit: 1)
            #expect(next.first?.imageId == f.images[39].id)
            #expect(next.first?.sessionId == nil)
        }
    }

    @Test("an orphan is re-checked right before unlinking: a capture that arrived since the scan keeps it", arguments: TestEngines.all)
    func recheckBeforeUnlink(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let f = try await Self.fixture(t, count: 1)
            let image = f.images[0]
            // The thumbnail a worker is about to record for a frame whose row the scan has not seen yet.
            let later = image.filePath.replacingOccurrences(of: "_090000.jpg", with: "_095959.jpg")
            let variant = DataLayout.variantPath(forFramePath: later, kind: .thumbnail)!
            let file = t.layout.absolutePath(variant)!
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(TestFrames.scene(width: 32, height: 24)).write(to: URL(fileURLWithPath: file))
            let handles = FolderHandles(root: t.layout.root)
            let orphans = try await f.maintenance.cleanup.scanner.scanOrphans(handles).orphans
            #expect(orphans.count == 1 && orphans.first?.match == nil)
            // The capture lands (row + job) between the scan and the unlink.
            let arrived = try await t.database.transaction { db in
                try await ImageStore.insert(db, timelapseId: image.timelapseId, cameraId: image.cameraId, filePath: later,
                                            capturedAt: image.capturedAt + 3599, dayNumber: 1, fileSize: 10, width: 64, height: 48, at: Date())
            }
            try await f.queue.enqueue(imageId: arrived.id, priority: .medium)
            #expect(try await f.maintenance.cleanup.scanner.unlinkOrphan(orphans[0], handles: handles) == false)
            #expect(FileManager.default.fileExists(atPath: file))
            // Once recorded, it is no orphan at all.
            _ = try await t.database.transaction {
                try await ImageStore.applyVariant($0, imageId: arrived.id, kind: .thumbnail, to: StoredVariant(path: variant, size: 10))
            }
            #expect(try await f.maintenance.cleanup.scanner.unlinkOrphan(orphans[0], handles: handles) == false)
            #expect(try await f.maintenance.cleanup.scanner.scanOrphans(FolderHandles(root: t.layout.root)).orphans.isEmpty)
        }
    }

    @Test("a file a row points at is never an orphan, even under a name not derived from its frame", arguments: TestEngines.all)
    func strayReferenceIsKept(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let f = try await Self.fixture(t, count: 1)
            let derived = DataLayout.variantPath(forFramePath: f.images[0].filePath, kind: .thumbnail)!
            let stray = derived.replacingOccurrences(of: "_090000.jpg", with: "_235959.jpg")
            let file = t.layout.absolutePath(stray)!
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(TestFrames.scene(width: 32, height: 24)).write(to: URL(fileURLWithPath: file))
            _ = try await t.database.transaction {
                try await ImageStore.applyVariant($0, imageId: f.images[0].id, kind: .thumbnail, to: StoredVariant(path: stray, size: 10))
            }
            let report = try await f.maintenance.cleanup.run(dryRun: false)
            #expect(report.orphanedFilesFound == 0 && report.filesDeleted == 0)
            #expect(FileManager.default.fileExists(atPath: file))
        }
    }

    @Test("an empty session completes at once", arguments: TestEngines.all)
    func emptySession(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let f = try await Self.fixture(t, count: 0)
            let stream = await f.events.subscribe(after: 0)
            let start = try await f.maintenance.regeneration.start()
            #expect(start.jobsQueued == 0)
            let status = try await f.maintenance.regeneration.status()
            #expect(!status.active && status.status == .completed && status.progressPercent == 100)
            let seen = try await collectEvents(stream) { $0.kind == .regenerationCompleted }
            #expect(seen.map(\.kind) == [.regenerationStarted, .regenerationCompleted])
        }
    }

    @Test("variant file checks: regular, non-empty, SOI…EOI, no symlinks; deep decodes")
    func fileChecks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vcheck-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = TestFrames.scene(width: 64, height: 48)
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = dir + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let goodPath = try write("good.jpg", good)
        #expect(VariantFileCheck.isValid(goodPath, deep: false))
        #expect(VariantFileCheck.isValid(goodPath, deep: true))
        #expect(!VariantFileCheck.isValid(try write("empty.jpg", []), deep: false))
        #expect(!VariantFileCheck.isValid(try write("html.jpg", Array("<html></html>".utf8)), deep: false))
        #expect(!VariantFileCheck.isValid(try write("cut.jpg", Array(good.prefix(good.count / 2))), deep: false))
        // Markers intact, entropy-coded data cut short inside: only a deep check sees it.
        var damaged = Array(good.prefix(good.count / 2))
        damaged += [0xFF, 0xD9]
        let damagedPath = try write("damaged.jpg", damaged)
        #expect(VariantFileCheck.isValid(damagedPath, deep: false))
        #expect(!VariantFileCheck.isValid(damagedPath, deep: true))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.jpg", withDestinationPath: goodPath)
        #expect(!VariantFileCheck.isValid(dir + "/link.jpg", deep: false))
        #expect(!VariantFileCheck.isValid(dir + "/missing.jpg", deep: false))
    }

    @Test("verify clears only the generation it saw", arguments: TestEngines.all)
    func clearIsGuarded(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let f = try await Self.fixture(t, count: 2)
            let path = DataLayout.variantPath(forFramePath: f.images[0].filePath, kind: .thumbnail)!
            let row = try await t.database.transaction {
                try await ImageStore.applyVariant($0, imageId: f.images[0].id, kind: .thumbnail, to: StoredVariant(path: path, size: 100))
            }
            let seen = try #require(row).thumbnailGeneration
            // A worker writes a new generation after the check saw the old one: the clear must not undo it.
            _ = try await t.database.transaction {
                try await ImageStore.applyVariant($0, imageId: f.images[0].id, kind: .thumbnail, to: StoredVariant(path: path, size: 120))
            }
            let cleared = try await t.database.transaction {
                try await MaintenanceStore.clearStale($0, kind: .thumbnail, [StaleVariant(imageId: f.images[0].id, generation: seen)])
            }
            #expect(cleared == 0)
            let current = try await t.database.read { try await ImageStore.fetchOne($0, id: f.images[0].id) }
            #expect(current?.thumbnailPath == path)
            let clearedNow = try await t.database.transaction {
                try await MaintenanceStore.clearStale($0, kind: .thumbnail, [StaleVariant(imageId: f.images[0].id, generation: seen + 1)])
            }
            #expect(clearedNow == 1)
        }
    }

    @Test("statistics come from the aggregates and the last orphan scan", arguments: TestEngines.all)
    func statistics(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let f = try await Self.fixture(t, count: 3)
            for image in f.images.prefix(2) {
                let path = DataLayout.variantPath(forFramePath: image.filePath, kind: .thumbnail)!
                _ = try await t.database.transaction {
                    try await ImageStore.applyVariant($0, imageId: image.id, kind: .thumbnail, to: StoredVariant(path: path, size: 1000))
                }
            }
            var stats = try await f.maintenance.statistics.system()
            #expect(stats.totals.images == 3 && stats.totals.thumbnails == 2 && stats.totals.thumbnailBytes == 2000)
            #expect(stats.orphanedThumbnails == nil)
            // An orphan on disk: a thumbnail for the third image that no row points at.
            let orphan = t.layout.absolutePath(DataLayout.variantPath(forFramePath: f.images[2].filePath, kind: .thumbnail)!)!
            try FileManager.default.createDirectory(atPath: (orphan as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(TestFrames.scene(width: 32, height: 24)).write(to: URL(fileURLWithPath: orphan))
            let dry = try await f.maintenance.cleanup.run(dryRun: true)
            #expect(dry.orphanedFilesFound == 1 && dry.matchableFiles == 1 && dry.deletableFiles == 0)
            stats = try await f.maintenance.statistics.system()
            #expect(stats.orphanedThumbnails == 1 && stats.orphanedSmalls == 0 && stats.orphansScannedAt != nil)
            let timelapse = try await f.maintenance.statistics.timelapse(f.timelapseId)
            #expect(timelapse.totals.images == 3 && timelapse.totals.thumbnails == 2)
            await #expect(throws: MaintenanceError.timelapseNotFound(999)) { try await f.maintenance.statistics.timelapse(999) }
        }
    }
}
