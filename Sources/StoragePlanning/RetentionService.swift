import Catalog
import Database
import Events
import Foundation
import Logging
import Maintenance
import Synchronization
import TimelapserCore
import Videos

/// Why a retention run was refused.
public enum RetentionError: Error, Sendable, Equatable {
    /// Another run is going on in this process.
    case alreadyRunning
    case cameraNotFound(Int64)
}

/// Retention: previews and runs of each camera's policy (its own, else the default). Frames go through the same
/// path as `DELETE /api/images/{id}` (``FrameService/delete(ids:)``), videos through ``VideoService/delete(_:)``.
public struct RetentionService: Sendable {
    let database: TimelapserDatabase
    let settings: SettingsService
    let frames: FrameService
    let videos: VideoService
    let dataDirectory: DataDirectoryGuard
    let events: EventBus
    let logger: Logger
    private let running = RunningFlag()

    public init(database: TimelapserDatabase, settings: SettingsService, frames: FrameService, videos: VideoService,
                dataDirectory: DataDirectoryGuard, events: EventBus, logger: Logger) {
        self.database = database
        self.settings = settings
        self.frames = frames
        self.videos = videos
        self.dataDirectory = dataDirectory
        self.events = events
        self.logger = logger
    }

    /// A camera's decision: its figures and what to delete.
    struct CameraDecision {
        var figures: RetentionCameraFigures
        var frames: [RetentionFrameRow]
        var videos: [Int64]
    }

    /// What a run would delete now, per camera whose policy is on. With `policy`, that policy is weighed instead
    /// of the stored ones (as if enabled), to try one out before saving it; `cameraId` limits it to one camera.
    public func preview(policy: RetentionPolicy? = nil, cameraId: Int64? = nil, now: Date = Date()) async throws -> [RetentionCameraFigures] {
        try await decide(policy: policy, cameraId: cameraId, now: now).map(\.figures)
    }

    /// Deletes what each enabled policy says, records the run and publishes `retention_applied` with what was
    /// actually deleted. Refused when the data directory is not the database's.
    @discardableResult
    public func apply(now: Date = Date()) async throws -> RetentionApplied {
        try await dataDirectory.require()
        guard running.begin() else { throw RetentionError.alreadyRunning }
        defer { running.end() }
        var applied: [RetentionCameraFigures] = []
        for decision in try await decide(policy: nil, cameraId: nil, now: now) {
            var figures = RetentionCameraFigures(cameraId: decision.figures.cameraId)
            // A render queued since the plan was made keeps its timelapse's frames.
            let protected = try await database.read { try await StorageStore.timelapsesBeingRendered($0) }
            let ids = decision.frames.filter { !protected.contains($0.timelapseId) }.map(\.id)
            // One retention_applied announces them all (the serving cache starts afresh on it).
            let deleted = try await frames.delete(ids: ids, announceEach: false)
            figures.framesToDelete = deleted.count
            figures.bytesToFree = deleted.reduce(0) { $0 + $1.fileSize + ($1.thumbnailPath == nil ? 0 : $1.thumbnailSize ?? 0)
                + ($1.smallPath == nil ? 0 : $1.smallSize ?? 0) }
            figures.oldest = deleted.map(\.capturedAt).min()
            figures.newest = deleted.map(\.capturedAt).max()
            for id in decision.videos {
                guard let video = try? await videos.delete(id) else { continue }
                figures.videosToDelete += 1
                figures.videoBytesToFree += video.sizeBytes ?? 0
            }
            applied.append(figures)
        }
        let result = RetentionApplied(cameras: applied)
        try await database.transaction {
            try await StorageStore.recordRun($0, framesDeleted: result.framesDeleted, bytesFreed: result.bytesFreed,
                                             videosDeleted: result.videosDeleted, at: now)
        }
        if result.framesDeleted + result.videosDeleted > 0 {
            logger.notice("Retention deleted \(result.framesDeleted) frames and \(result.videosDeleted) videos, \(result.bytesFreed) bytes")
        }
        await events.publish(.retentionApplied(result))
        return result
    }

    /// Whether any camera has a policy that is on (the daily service does nothing otherwise).
    public func anyEnabled() async throws -> Bool {
        let base = try await settings.current().retention
        let cameras = try await database.read { try await CameraStore.fetchAll($0) }
        return cameras.contains { (RetentionPolicy.fromStored($0.retention) ?? base).enabled }
    }

    func decide(policy override: RetentionPolicy?, cameraId: Int64?, now: Date) async throws -> [CameraDecision] {
        let current = try await settings.current()
        let cameras = try await database.read { try await CameraStore.fetchAll($0) }
        if let cameraId, !cameras.contains(where: { $0.id == cameraId }) { throw RetentionError.cameraNotFound(cameraId) }
        let usage = try await database.read { try await StorageStore.timelapseUsage($0) }
        var decisions: [CameraDecision] = []
        for camera in cameras where cameraId == nil || camera.id == cameraId {
            var policy = override ?? RetentionPolicy.fromStored(camera.retention) ?? current.retention
            if override != nil { policy.enabled = true }
            guard policy.enabled else { continue }
            let zone = camera.timeZone(fallback: current.timeZone)
            let totalBytes = usage.filter { $0.cameraId == camera.id }.reduce(Int64(0)) { $0 + $1.frameBytes + $1.thumbnailBytes + $1.smallBytes }
            // Without a byte budget only frames older than the keep-all tier can go: read no more than those.
            let before = policy.maxBytes == nil ? now - Double(policy.keepAllDays ?? 0) * 86_400 : .distantFuture
            let videosBefore = policy.videoRetentionDays.map { now - Double($0) * 86_400 }
            let (rows, newest, protected, expired) = try await database.read { db in
                var expired: [(id: Int64, bytes: Int64)] = []
                if let videosBefore { expired = try await StorageStore.videosBefore(db, cameraId: camera.id, before: videosBefore) }
                return (try await StorageStore.framesBefore(db, cameraId: camera.id, before: before),
                        try await ImageStore.fetchLatest(db, cameraId: camera.id),
                        try await StorageStore.timelapsesBeingRendered(db), expired)
            }
            // The camera's newest frame is never a candidate, even when it is older than the keep-all tier.
            let candidates = rows.filter { $0.id != newest?.id }
            let plan = RetentionPlan(frames: candidates, policy: policy, now: now, timeZone: zone, totalBytes: totalBytes,
                                     protected: protected)
            let figures = RetentionCameraFigures(
                cameraId: camera.id, framesToDelete: plan.deletions.count, bytesToFree: plan.bytes,
                oldest: plan.deletions.first?.capturedAt, newest: plan.deletions.last?.capturedAt,
                videosToDelete: expired.count, videoBytesToFree: expired.reduce(0) { $0 + $1.bytes })
            decisions.append(CameraDecision(figures: figures, frames: plan.deletions, videos: expired.map { $0.id }))
        }
        return decisions
    }
}

/// One retention run at a time in a process.
final class RunningFlag: Sendable {
    private let flag = Mutex(false)

    func begin() -> Bool { flag.withLock { if $0 { return false }; $0 = true; return true } }
    func end() { flag.withLock { $0 = false } }
}
