import DataDirectory
import Database
import Events
import Foundation
import Logging
import ThumbnailJobs
import TimelapserCore

/// Why a video request was refused (the API maps each case to a status).
public enum VideoError: Error, Sendable, Equatable {
    case timelapseNotFound(Int64)
    case videoNotFound(Int64)
    case noFrames
    /// The video has no file (yet, or any more): it is not `completed`.
    case notCompleted(VideoStatus)
    case alreadyFinal(VideoStatus)
}

/// Queues, plans, cancels and deletes renders; what the API and the automation call. The render itself is
/// ``RenderWorker``'s.
public struct VideoService: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService
    let events: EventBus
    /// Renders of this process, for an immediate cancel.
    public let active: ActiveRenders
    /// Wakes this process's render worker when a render is queued.
    public let wake: WakeSignal
    let logger: Logger

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, events: EventBus,
                active: ActiveRenders = ActiveRenders(), wake: WakeSignal = WakeSignal(), logger: Logger) {
        self.database = database
        self.layout = layout
        self.settings = settings
        self.events = events
        self.active = active
        self.wake = wake
        self.logger = logger
    }

    /// What a dry run answers: the frames a render would use and an estimate of its cost.
    public struct DryRun: Sendable {
        public var plan: RenderPlan
        public var estimate: RenderEstimate
    }

    /// A timelapse's frames selected and planned for `spec`.
    func plan(timelapse: TimelapseRecord, spec: RenderSpec, timeZone: TimeZone) async throws -> RenderPlan {
        let frames = try await database.read {
            try await VideoStore.frames($0, timelapseId: timelapse.id, from: spec.from, to: spec.to)
        }
        return RenderPlan.make(selected: FrameSelection.select(frames, spec: spec, timeZone: timeZone), spec: spec,
                               transform: try await frameTransform(of: timelapse))
    }

    func timelapse(_ id: Int64) async throws -> TimelapseRecord {
        guard let timelapse = try await database.read({ try await TimelapseStore.fetchOne($0, id: id) }) else {
            throw VideoError.timelapseNotFound(id)
        }
        return timelapse
    }

    /// The plan and cost of a render, without queuing it.
    public func dryRun(timelapseId: Int64, settings requested: RenderSettings) async throws -> DryRun {
        let spec = try requested.validated()
        let timelapse = try await timelapse(timelapseId)
        let plan = try await plan(timelapse: timelapse, spec: spec, timeZone: try await timeZone(of: timelapse))
        let history = try await database.read { try await VideoStore.recentCompleted($0, limit: 20) }
        return DryRun(plan: plan, estimate: RenderEstimate.estimate(plan, history: history))
    }

    /// Queues a render; ``VideoError/noFrames`` when the settings select nothing.
    public func create(timelapseId: Int64, settings requested: RenderSettings, origin: VideoOrigin = .manual) async throws -> VideoRecord {
        let spec = try requested.validated()
        let timelapse = try await timelapse(timelapseId)
        let plan = try await plan(timelapse: timelapse, spec: spec, timeZone: try await timeZone(of: timelapse))
        guard !plan.frames.isEmpty else { throw VideoError.noFrames }
        let video = try await database.transaction { db in
            try await Self.insert(db, timelapse: timelapse, name: spec.name, settings: requested, origin: origin)
        }
        await announce(video)
        return video
    }

    /// Inserts a queued render (in the caller's transaction) under the next version of its name.
    static func insert(_ db: DatabaseConnection, timelapse: TimelapseRecord, name: String, settings: RenderSettings,
                       origin: VideoOrigin) async throws -> VideoRecord {
        let version = try await VideoStore.nextVersion(db, timelapseId: timelapse.id, name: name)
        let path = DataLayout.videoPath(cameraId: timelapse.cameraId, timelapseId: timelapse.id, name: name, version: version)
        return try await VideoStore.insert(db, timelapseId: timelapse.id, name: name, version: version, filePath: path,
                                           origin: origin, settings: settings.storedJSON, at: Date())
    }

    func announce(_ video: VideoRecord) async {
        await events.publish(.videoQueued(VideoQueued(videoId: video.id, timelapseId: video.timelapseId, name: video.name,
                                                      version: video.version, origin: video.origin)))
        wake.signal()
    }

    public func get(_ id: Int64) async throws -> VideoRecord {
        guard let video = try await database.read({ try await VideoStore.fetchOne($0, id: id) }) else { throw VideoError.videoNotFound(id) }
        return video
    }

    public func list(timelapseId: Int64) async throws -> [VideoRecord] {
        _ = try await timelapse(timelapseId)
        return try await database.read { try await VideoStore.list($0, timelapseId: timelapseId) }
    }

    /// Stops a queued or running render. A render of this process stops at once (its ffmpeg is killed); one of
    /// another process stops at its next heartbeat.
    public func cancel(_ id: Int64) async throws -> VideoRecord {
        guard let video = try await database.autocommit({ try await VideoStore.requestCancel($0, id: id, at: Date()) }) else {
            throw VideoError.alreadyFinal(try await get(id).status)
        }
        if video.status == .cancelled {
            await events.publish(.videoCancelled(VideoEnded(videoId: video.id, timelapseId: video.timelapseId, error: nil)))
        } else {
            active.stop(id, reason: .cancelled)
        }
        return video
    }

    /// Deletes a video (a running render is stopped first) with its file and poster.
    public func delete(_ id: Int64) async throws -> VideoRecord {
        _ = try? await database.autocommit { try await VideoStore.requestCancel($0, id: id, at: Date()) }
        active.stop(id, reason: .cancelled)
        guard let video = try await database.autocommit({ try await VideoStore.delete($0, id: id) }) else {
            throw VideoError.videoNotFound(id)
        }
        removeFiles(of: video)
        return video
    }

    func removeFiles(of video: VideoRecord) {
        for relative in [video.filePath, video.posterPath].compactMap({ $0 }) {
            if let path = layout.absolutePath(relative) { unlink(path) }
        }
    }

    /// The absolute path of a completed video's file.
    public func file(of video: VideoRecord) throws -> String {
        guard video.status == .completed, let path = layout.absolutePath(video.filePath) else { throw VideoError.notCompleted(video.status) }
        return path
    }

    /// The absolute path of a completed video's poster.
    public func poster(of video: VideoRecord) throws -> String {
        guard video.status == .completed, let relative = video.posterPath, let path = layout.absolutePath(relative) else {
            throw VideoError.notCompleted(video.status)
        }
        return path
    }

    /// Bytes of completed videos.
    public func totalBytes(timelapseId: Int64? = nil) async throws -> Int64 {
        try await database.read { try await VideoStore.totalBytes($0, timelapseId: timelapseId) }
    }

    public func counts() async throws -> [VideoStatus: Int] {
        try await database.read { try await VideoStore.counts($0) }
    }
}

// MARK: the worker's side

extension VideoService {
    struct Prepared: Sendable {
        var plan: RenderPlan
        var timeZone: TimeZone
    }

    /// Re-plans a claimed render from its stored settings (the frames as they are now).
    func prepare(_ video: VideoRecord) async throws -> Prepared {
        let spec: RenderSpec
        do {
            spec = try RenderSettings.fromStored(video.settings).validated()
        } catch {
            throw RenderError.invalidSettings("\(error)")
        }
        guard let timelapse = try await database.read({ try await TimelapseStore.fetchOne($0, id: video.timelapseId) }) else {
            throw RenderError.timelapseMissing
        }
        let timeZone = try await timeZone(of: timelapse)
        let plan = try await plan(timelapse: timelapse, spec: spec, timeZone: timeZone)
        guard !plan.frames.isEmpty else { throw RenderError.noFrames }
        return Prepared(plan: plan, timeZone: timeZone)
    }

    /// Moves a finished render into `videos/`, writes its poster and records it (fenced by `workerId`). Returns
    /// false, having removed what it wrote, when the worker no longer holds the render.
    func store(_ video: VideoRecord, plan: RenderPlan, scratch: String, workerId: String, renderSeconds: Double,
               renderer: VideoRenderer) async throws -> Bool {
        guard let finalPath = layout.absolutePath(video.filePath) else { throw RenderError.writeFailed("bad video path \(video.filePath)") }
        let posterRelative = DataLayout.posterPath(forVideoPath: video.filePath)
        let size: Int64
        do {
            try FileManager.default.createDirectory(atPath: (finalPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            size = (try FileManager.default.attributesOfItem(atPath: scratch)[.size] as? NSNumber)?.int64Value ?? 0
            guard rename(scratch, finalPath) == 0 else { throw RenderError.writeFailed(String(cString: strerror(errno))) }
        } catch let error as RenderError {
            throw error
        } catch {
            throw RenderError.writeFailed("\(error)")
        }
        var posterPath: String?
        if let bytes = try await renderer.poster(plan), let absolute = layout.absolutePath(posterRelative),
           (try? AtomicFile.write(bytes, to: absolute, owner: TempOwner(workerID: workerId, jobID: video.id))) != nil {
            posterPath = posterRelative
        }
        let rendered = RenderedVideo(
            posterPath: posterPath, frameCount: plan.frames.count, firstFrameAt: plan.frames.first?.capturedAt,
            lastFrameAt: plan.frames.last?.capturedAt, fps: plan.fps, durationSeconds: plan.durationSeconds, sizeBytes: size,
            codec: plan.spec.codec.rawValue, width: plan.width, height: plan.height, renderMs: Int(renderSeconds * 1000))
        let recorded = try await database.autocommit {
            try await VideoStore.complete($0, id: video.id, workerId: workerId, rendered, at: Date())
        }
        guard recorded else {
            // Deleted or rescued meanwhile: the row that names these files is gone or belongs to another attempt.
            if (try? await database.read({ try await VideoStore.fetchOne($0, id: video.id) })) == nil {
                unlink(finalPath)
                if let absolute = layout.absolutePath(posterRelative) { unlink(absolute) }
            }
            return false
        }
        await events.publish(.videoCompleted(VideoCompleted(
            videoId: video.id, timelapseId: video.timelapseId, frameCount: rendered.frameCount,
            durationSeconds: rendered.durationSeconds, sizeBytes: size, renderSeconds: (renderSeconds * 10).rounded() / 10)))
        return true
    }
}
