import DataDirectory
import Database
import Events
import Foundation
import Logging
import ServiceLifecycle
import ThumbnailJobs
import TimelapserCore

/// Takes queued renders and runs them, at most `max_concurrent_renders` at once in this process: each under a
/// lease that a heartbeat extends every second (with its progress), completed only while the lease is held.
/// Renders of a worker that died are rescued when their lease runs out and start over; a render stopped by a
/// shutdown goes back to the queue. Files are written under `tmp/renders` and renamed into `videos/` when
/// complete, so a render that does not finish leaves nothing in `videos/`.
public struct RenderWorker: Service {
    let videos: VideoService
    let renderer: VideoRenderer
    let leaseDuration: Duration
    let pollInterval: Duration
    let maxAttempts: Int
    let workerId: String
    let logger: Logger

    public init(videos: VideoService, renderer: VideoRenderer, leaseDuration: Duration = .seconds(30),
                pollInterval: Duration = .seconds(1), maxAttempts: Int = 3, logger: Logger) {
        self.videos = videos
        self.renderer = renderer
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        self.maxAttempts = maxAttempts
        self.workerId = "render-" + TempOwner.currentWorkerID()
        self.logger = logger
    }

    var database: TimelapserDatabase { videos.database }
    var active: ActiveRenders { videos.active }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            await withGracefulShutdownHandler {
                var lastRescue = ContinuousClock.now - .seconds(3600)
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    do {
                        // Leases last many seconds: looking for expired ones every few seconds is soon enough.
                        if lastRescue.duration(to: .now) >= .seconds(5) {
                            lastRescue = .now
                            try await rescue()
                        }
                        let limit = try await videos.settings.current().maxConcurrentRenders - active.count
                        if limit > 0 {
                            let claimed = try await database.autocommit { db in
                                try await VideoStore.claim(db, workerId: workerId, limit: limit,
                                                           leaseUntil: Date().addingTimeInterval(leaseDuration.timeInterval), at: Date())
                            }
                            for video in claimed {
                                let task = Task { await render(video) }
                                active.register(video.id) { task.cancel() }
                                group.addTask {
                                    await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
                                }
                            }
                        }
                    } catch {
                        logger.error("render worker: \(error)")
                    }
                    await videos.wake.wait(timeout: pollInterval)
                }
            } onGracefulShutdown: {
                videos.wake.signal()
            }
            // Shutting down: stop what runs; each render gives itself back to the queue.
            group.cancelAll()
            await group.waitForAll()
        }
    }

    /// Renders whose worker died go back to the queue; their scratch files go.
    func rescue() async throws {
        let rescued = try await database.autocommit { try await VideoStore.rescueExpired($0, maxAttempts: maxAttempts, at: Date()) }
        for video in rescued {
            removeScratch(videoId: video.id)
            logger.warning("render rescued after its worker stopped", metadata: ["video_id": "\(video.id)"])
        }
    }

    func scratchPath(_ video: VideoRecord) -> String {
        "\(videos.layout.renderScratchDirectory)/video-\(video.id)-\(video.attempts).mp4"
    }

    func removeScratch(videoId: Int64) {
        let directory = videos.layout.renderScratchDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix("video-\(videoId)-") {
            unlink(directory + "/" + name)
        }
    }

    /// One render from claim to its final state.
    func render(_ video: VideoRecord) async {
        let started = ContinuousClock.now
        let scratch = scratchPath(video)
        let progress = RenderProgress(total: 0)
        let heartbeat = Task { await beat(video, progress: progress) }
        defer { heartbeat.cancel() }
        do {
            let prepared = try await videos.prepare(video)
            progress.setTotal(prepared.plan.frames.count)
            let throttle = ProgressThrottle(interval: .milliseconds(250))
            try await renderer.render(prepared.plan, timeZone: prepared.timeZone, output: scratch) { done in
                progress.setDone(done)
                if throttle.shouldSend() || done == prepared.plan.frames.count {
                    await videos.events.publish(.videoRenderProgress(progress.event(video)))
                }
            }
            try Task.checkCancellation()
            let seconds = started.duration(to: .now).timeInterval
            let completed = try await videos.store(video, plan: prepared.plan, scratch: scratch, workerId: workerId,
                                                   renderSeconds: seconds, renderer: renderer)
            _ = active.finish(video.id)
            if !completed { removeScratch(videoId: video.id) }
        } catch {
            let reason = active.finish(video.id)
            removeScratch(videoId: video.id)
            await ended(video, error: error, reason: reason)
        }
    }

    /// Settles a render that threw: cancelled by a user, lost its lease, stopped by shutdown, or failed.
    func ended(_ video: VideoRecord, error: any Error, reason: ActiveRenders.StopReason?) async {
        // A cancel or a shutdown cancels the render's task, and the database refuses work in a cancelled task: the
        // end is recorded from a task of its own, which does not inherit the cancellation.
        let interrupted = Task.isCancelled || error is CancellationError
        await Task { await record(video, error: error, reason: reason, interrupted: interrupted) }.value
    }

    private func record(_ video: VideoRecord, error: any Error, reason: ActiveRenders.StopReason?, interrupted: Bool) async {
        do {
            switch reason {
            case .cancelled?:
                if try await database.autocommit({ try await VideoStore.finish($0, id: video.id, workerId: workerId, status: .cancelled, error: nil, at: Date()) }) {
                    await videos.events.publish(.videoCancelled(VideoEnded(videoId: video.id, timelapseId: video.timelapseId, error: nil)))
                }
            case .leaseLost?:
                logger.warning("render lost its lease", metadata: ["video_id": "\(video.id)"])
            case nil where interrupted:
                try await database.autocommit { try await VideoStore.release($0, workerId: workerId, ids: [video.id]) }
            case nil:
                let message = (error as? RenderError)?.description ?? "\(error)"
                logger.error("render failed", metadata: ["video_id": "\(video.id)", "error": "\(message)"])
                if try await database.autocommit({ try await VideoStore.finish($0, id: video.id, workerId: workerId, status: .failed, error: message, at: Date()) }) {
                    await videos.events.publish(.videoFailed(VideoEnded(videoId: video.id, timelapseId: video.timelapseId, error: message)))
                }
            }
        } catch {
            logger.error("render worker: could not record the end of a render: \(error)", metadata: ["video_id": "\(video.id)"])
        }
    }

    /// Every second: extend the lease, record progress, and stop the render when a cancel was asked for (by
    /// another process) or the lease is gone.
    func beat(_ video: VideoRecord, progress: RenderProgress) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { return }
            let snapshot = progress.event(video)
            do {
                let cancelRequested = try await database.autocommit { db in
                    try await VideoStore.heartbeat(db, id: video.id, workerId: workerId,
                                                   leaseUntil: Date().addingTimeInterval(leaseDuration.timeInterval),
                                                   framesTotal: snapshot.framesTotal, framesDone: snapshot.framesDone,
                                                   renderFps: snapshot.fps, etaSeconds: snapshot.etaSeconds)
                }
                switch cancelRequested {
                case nil: active.stop(video.id, reason: .leaseLost)
                case true?: active.stop(video.id, reason: .cancelled)
                case false?: break
                }
            } catch where !Task.isCancelled {
                logger.warning("render heartbeat failed: \(error)", metadata: ["video_id": "\(video.id)"])
            } catch {
                return  // the render ended while this beat was in flight
            }
        }
    }
}
