import Database
import DataDirectory
import Events
import Foundation
import Imaging
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization
import TimelapserCore

/// Runs thumbnail jobs: up to `concurrency` at once, claimed the moment they are queued (in-process signal,
/// PostgreSQL NOTIFY from other processes), with `thumbnail_worker_interval` only as the fallback poll.
///
/// Graceful shutdown stops claiming, lets running jobs finish for up to `drainTimeout`, then gives the rest
/// back to the queue without burning an attempt.
public struct ThumbnailWorker: Service {
    let queue: ThumbnailJobQueue
    let thumbnails: ThumbnailService
    let settings: SettingsService
    let events: EventBus
    let disk: DiskGuard
    let layout: DataLayout
    let concurrency: Int
    let drainTimeout: Duration
    /// This process's identity in `locked_by` and temp file names.
    public let workerId: String
    let logger: Logger

    public init(queue: ThumbnailJobQueue, thumbnails: ThumbnailService, settings: SettingsService, events: EventBus,
                disk: DiskGuard, layout: DataLayout, concurrency: Int, workerId: String = TempOwner.currentWorkerID(),
                drainTimeout: Duration = .seconds(30), logger: Logger) {
        self.queue = queue
        self.thumbnails = thumbnails
        self.settings = settings
        self.events = events
        self.disk = disk
        self.layout = layout
        self.concurrency = max(1, concurrency)
        self.workerId = workerId
        self.drainTimeout = drainTimeout
        self.logger = logger
    }

    public func run() async throws {
        let pool = NIOThreadPool(numberOfThreads: concurrency)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        TempFileSweep(layout: layout, logger: logger).sweepDeadLocalOwners()
        let running = RunningJobs()
        let stopping = StopFlag()
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await maintain(running: running, stopping: stopping) }
                try await claimLoop(group: &group, pool: pool, running: running, stopping: stopping)
                try await drain(running: running)
                stopping.set()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.set()
            queue.wake.signal()
        }
    }

    private func claimLoop(group: inout ThrowingDiscardingTaskGroup<any Error>, pool: NIOThreadPool,
                           running: RunningJobs, stopping: StopFlag) async throws {
        while !stopping.isSet {
            let current = try await settings.current()
            // Below the free-space reserve nothing is claimed: jobs wait, unburnt, for the disk monitor's wake-up.
            if await disk.check().status != .ok {
                await queue.wake.wait(timeout: .seconds(5))
                continue
            }
            // Up to twice as many jobs as threads are held: while one job's pixels are on a thread, the next one's
            // row reads are done and it waits in the pool's queue, so no thread idles for a claim round trip.
            let free = 2 * concurrency - (await running.count)
            var claimed: [ThumbnailJobRecord] = []
            if free > 0 {
                do {
                    claimed = try await queue.claim(workerId: workerId, limit: min(free, current.thumbnailJobBatchSize))
                } catch {
                    logger.warning("claim failed", metadata: ["error": "\(error)"])
                }
            }
            for job in claimed {
                await running.insert(job.id)
                group.addTask {
                    await execute(job, settings: current, pool: pool)
                    await running.remove(job.id)
                    queue.wake.signal()
                }
            }
            if claimed.isEmpty || claimed.count < free {
                await queue.wake.wait(timeout: .seconds(current.thumbnailWorkerInterval))
            } else {
                await Task.yield()
            }
        }
    }

    /// Waits for running jobs up to the drain timeout, then releases what is left.
    private func drain(running: RunningJobs) async throws {
        let deadline = ContinuousClock.now + drainTimeout
        while await running.count > 0, ContinuousClock.now < deadline {
            await queue.wake.wait(timeout: .milliseconds(100))
        }
        let left = await running.ids
        if !left.isEmpty {
            logger.info("releasing unfinished jobs", metadata: ["count": "\(left.count)"])
            try? await queue.release(workerId: workerId, jobIds: left)
        }
    }

    /// Runs one job and records its outcome; never throws (a job's failure is data, not a crash).
    func execute(_ job: ThumbnailJobRecord, settings: Settings, pool: NIOThreadPool) async {
        do {
            let result = try await thumbnails.generate(job: job, workerId: workerId, settings: settings, pool: pool)
            let image = result.image
            ThumbnailMetrics.jobFinished(milliseconds: result.processingTimeMs)
            await events.publish(.thumbnailJobCompleted(ThumbnailJobCompleted(
                jobId: job.id, imageId: image.id, timelapseId: image.timelapseId, cameraId: image.cameraId,
                processingTimeMs: result.processingTimeMs,
                thumbnailUrl: ImageURL.variant(imageId: image.id, .thumbnail, generation: image.thumbnailGeneration),
                smallUrl: image.smallPath == nil ? nil : ImageURL.variant(imageId: image.id, .small, generation: image.smallGeneration),
                sessionId: job.sessionId, thumbhash: image.thumbhash)))
        } catch {
            await recordFailure(job, error: error, settings: settings)
        }
    }

    func recordFailure(_ job: ThumbnailJobRecord, error: any Error, settings: Settings) async {
        let generation = error as? GenerationError
        if generation == .leaseLost {
            logger.info("job taken over by another worker", metadata: ["job_id": "\(job.id)"])
            return
        }
        if case .diskFull? = generation {
            await deferForSpace(job, reason: generation?.message ?? "\(error)")
            return
        }
        if case DatabaseError.diskFull(let detail)? = error as? DatabaseError {
            await deferForSpace(job, reason: detail)
            return
        }
        ThumbnailMetrics.jobFailed(reason: ThumbnailMetrics.reason(error))
        let message = generation?.message ?? "\(error)"
        let retries = (generation?.isRetryable ?? true) ? settings.thumbnailMaxRetries : 0
        let elapsed = job.startedAt.map { Int(Date().timeIntervalSince($0) * 1000) } ?? 0
        do {
            let outcome = try await queue.fail(job, workerId: workerId, error: message, processingTimeMs: elapsed, maxRetries: retries)
            logger.warning("thumbnail job failed", metadata: ["job_id": "\(job.id)", "image_id": "\(job.imageId)",
                                                              "error": "\(message)", "outcome": "\(outcome)"])
            guard outcome != .leaseLost else { return }
            let willRetry: Bool = if case .willRetry = outcome { true } else { false }
            await events.publish(.thumbnailJobFailed(ThumbnailJobFailed(
                jobId: job.id, imageId: job.imageId, error: message, willRetry: willRetry,
                retryCount: job.retryCount + (willRetry ? 1 : 0))))
        } catch {
            logger.error("could not record job failure", metadata: ["job_id": "\(job.id)", "error": "\(error)"])
        }
    }

    /// A job that found no room goes back to the queue without counting an attempt; the worker claims nothing more
    /// until the disk monitor sees space again.
    func deferForSpace(_ job: ThumbnailJobRecord, reason: String) async {
        logger.warning("no space for a job's variants: it waits for space", metadata: ["job_id": "\(job.id)", "error": "\(reason)"])
        await disk.writeFailed()
        do {
            try await queue.release(workerId: workerId, jobIds: [job.id])
        } catch {
            logger.error("could not give a job back", metadata: ["job_id": "\(job.id)", "error": "\(error)"])
        }
    }

    /// Heartbeats, lease rescue and pruning, until the worker stops.
    private func maintain(running: RunningJobs, stopping: StopFlag) async {
        var lastPrune = ContinuousClock.now - .seconds(3600)
        let tick = queue.leaseDuration / 3
        while !stopping.isSet {
            try? await Task.sleep(for: tick)
            if stopping.isSet || Task.isCancelled { break }
            do {
                try await queue.heartbeat(workerId: workerId, jobIds: await running.ids)
                let current = try await settings.current()
                let rescued = try await queue.rescueExpired(maxRetries: current.thumbnailMaxRetries)
                if !rescued.isEmpty {
                    logger.warning("rescued expired jobs", metadata: ["count": "\(rescued.count)"])
                    TempFileSweep(layout: layout, logger: logger).sweep(owners: Set(rescued.compactMap { job in
                        job.lockedBy.map { TempOwner(workerID: $0, jobID: job.id) }
                    }))
                }
                if ContinuousClock.now - lastPrune > .seconds(600) {
                    lastPrune = .now
                    _ = try await queue.prune(completedHours: current.thumbnailCleanupHours)
                }
            } catch {
                if stopping.isSet || Task.isCancelled { break }
                logger.warning("queue maintenance failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// The ids of jobs this worker is running.
actor RunningJobs {
    private(set) var ids: [Int64] = []
    var count: Int { ids.count }
    func insert(_ id: Int64) { ids.append(id) }
    func remove(_ id: Int64) { ids.removeAll { $0 == id } }
}

/// Set once when the worker should stop; read without suspension.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
