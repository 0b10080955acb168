import Database
import Catalog
import Foundation
import Logging
import ServiceLifecycle
import TimelapserCore

/// Grabs frames from every camera that has a URL and a running timelapse, each on its own schedule, and feeds them
/// through ``FrameIngest`` like an upload. The camera list is polled; a camera whose URL, interval or timelapse
/// changes gets a fresh schedule. Graceful shutdown cancels every camera loop, which kills running ffmpeg children.
public struct CaptureScheduler: Service {
    let database: TimelapserDatabase
    let ingest: FrameIngest
    let grabber: FrameGrabber
    let rejections: RejectedFrameCounter
    /// Turns grab outcomes into outages and publishes `camera_offline`/`camera_online`.
    let outages: OutageLog
    let pollInterval: Duration
    let logger: Logger
    /// The wall clock of schedules and leases.
    let clock: any CaptureClock
    /// This process's name in capture leases (`capture_owner`).
    let owner: String

    /// - Parameter pollInterval: how often the camera list is read; a new camera's first grab waits at most this long.
    public init(database: TimelapserDatabase, ingest: FrameIngest, grabber: FrameGrabber = FrameGrabber(),
                rejections: RejectedFrameCounter, outages: OutageLog, pollInterval: Duration = .seconds(1), logger: Logger,
                clock: any CaptureClock = SystemCaptureClock(), owner: String? = nil) {
        self.clock = clock
        self.owner = owner ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        self.database = database
        self.ingest = ingest
        self.grabber = grabber
        self.rejections = rejections
        self.outages = outages
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await supervise() }
    }

    /// Keeps one loop per capturable camera until cancelled, then cancels them all and waits for them.
    func supervise() async {
        var loops: [Int64: (target: CaptureTarget, task: Task<Void, Never>)] = [:]
        while !Task.isCancelled {
            if let targets = await currentTargets() {
                for (id, loop) in loops where targets[id] != loop.target {
                    loop.task.cancel()
                    loops[id] = nil
                }
                for (id, target) in targets where loops[id] == nil {
                    let loop = CameraCaptureLoop(target: target, scheduler: self)
                    loops[id] = (target, Task { await loop.run() })
                }
            }
            try? await Task.sleep(for: pollInterval)
        }
        for loop in loops.values { loop.task.cancel() }
        for loop in loops.values { await loop.task.value }
        // Hand the cameras over at once rather than at the leases' expiry (outside this cancelled task).
        await Task.detached { [database, owner, logger] in
            do {
                try await database.transaction { try await CaptureLeaseStore.releaseAll($0, owner: owner) }
            } catch {
                logger.warning("capture leases not released", metadata: ["error": "\(error)"])
            }
        }.value
    }

    /// Cameras to capture now, by id; nil when the list could not be read (the running loops are kept).
    func currentTargets() async -> [Int64: CaptureTarget]? {
        do {
            let cameras = try await database.read { try await CameraStore.fetchAll($0) }
            let zone = try await ingest.settingsTimeZone()
            return Dictionary(uniqueKeysWithValues: cameras.compactMap { camera in
                CaptureTarget(camera, defaultZone: zone).map { (camera.id, $0) }
            })
        } catch {
            logger.warning("capture scheduler could not read cameras", metadata: ["error": "\(error)"])
            return nil
        }
    }
}

/// What one camera loop captures; any change restarts the camera's schedule.
struct CaptureTarget: Equatable, Sendable {
    let cameraId: Int64
    let url: String
    let intervalSeconds: Int
    let timelapseId: Int64
    /// The window in the camera's time zone, on the interval's grid.
    let schedule: CaptureSchedule

    init?(_ camera: CameraRecord, defaultZone: TimeZone) {
        guard let url = camera.rtspUrl, !url.isEmpty, let timelapseId = camera.activeTimelapseId else { return nil }
        self.cameraId = camera.id
        self.url = url
        self.intervalSeconds = max(1, camera.captureIntervalSeconds)
        self.timelapseId = timelapseId
        self.schedule = CaptureSchedule(window: CaptureWindow.fromStored(camera.captureWindow),
                                        timeZone: camera.timeZone(fallback: defaultZone), intervalSeconds: intervalSeconds)
    }

    /// A grab may take longer than the interval (an RTSP stream waits for a key frame), but not forever.
    var grabTimeout: Duration { .seconds(min(max(10, 2 * intervalSeconds), 30)) }
}

/// One camera's schedule: grabs at the slots of its ``CaptureSchedule`` (multiples of the interval since the epoch,
/// inside its window) while this process holds the camera's lease, retries a failing camera with backoff (1 s, 2 s,
/// 4 s … 30 s, never later than the next slot), and records its health. `run()` is in CaptureLoopRun.swift.
struct CameraCaptureLoop: Sendable {
    let target: CaptureTarget
    let scheduler: CaptureScheduler
    static let maxBackoff = Duration.seconds(30)

    enum Outcome { case stored, skipped, failed, cancelled }

    var logger: Logger {
        var logger = scheduler.logger
        logger[metadataKey: "camera_id"] = "\(target.cameraId)"
        return logger
    }

    static func backoff(afterFailures failures: Int) -> Duration {
        min(.seconds(1 << min(failures - 1, 5)), maxBackoff)
    }

    /// Grabs and ingests one frame. A grab never waits on the thumbnail worker: ingest only queues a job.
    func attempt() async -> Outcome {
        let capturedAt = scheduler.clock.now()
        let bytes: [UInt8]
        do {
            let limit = try await scheduler.ingest.uploadLimit()
            bytes = try await scheduler.grabber.grab(target.url, limit: limit, timeout: target.grabTimeout)
        } catch {
            if Task.isCancelled || error is CancellationError { return .cancelled }
            return await failed(CredentialMask.redact("\(error)", secretsOf: target.url))
        }
        do {
            _ = try await scheduler.ingest.ingest(cameraId: target.cameraId, bytes: bytes, capturedAt: capturedAt)
        } catch CatalogError.duplicateFrame {
            // A frame of this second exists already (a slow grab at a 1 s interval): nothing is wrong with the camera.
            logger.debug("grabbed frame skipped: one of the same second exists")
            return .skipped
        } catch CatalogError.noRunningTimelapse, CatalogError.cameraNotFound {
            return .skipped // the timelapse ended or the camera went; the scheduler stops this loop
        } catch CatalogError.frameRejected(let reason, let message, _) {
            let total = scheduler.rejections.record(cameraId: target.cameraId)
            // A blank stream repeats at every interval: the first rejection and every 20th are warnings.
            logger.log(level: total == 1 || total.isMultiple(of: 20) ? .warning : .debug,
                       "grabbed frame rejected by corruption detection",
                       metadata: ["reason": "\(reason)", "frames_rejected": "\(total)"])
            return await failed("frame rejected (\(reason)): \(message)")
        } catch {
            if Task.isCancelled { return .cancelled }
            return await failed(CredentialMask.redact("\(error)", secretsOf: target.url))
        }
        await recordHealth(error: nil)
        return .stored
    }

    func failed(_ message: String) async -> Outcome {
        if Task.isCancelled { return .cancelled }
        if let failures = await recordHealth(error: message), failures == 1 || failures.isMultiple(of: 20) {
            logger.warning("camera capture failed", metadata: ["error": "\(message)", "consecutive_failures": "\(failures)"])
        }
        return .failed
    }

    /// Writes the attempt's outcome to the camera row; returns the camera's consecutive failures.
    @discardableResult
    func recordHealth(error: String?) async -> Int? {
        let before: Int
        let now = Date()
        let threshold = await scheduler.outages.threshold()
        do {
            let (count, change) = try await scheduler.database.transaction { db in
                let camera = try await CameraStore.fetchOne(db, id: target.cameraId)
                try await CameraStore.recordCapture(db, id: target.cameraId, success: error == nil, error: error, at: now)
                let change = try await scheduler.outages.record(db, before: camera, error: error, threshold: threshold, at: now)
                return (camera?.consecutiveFailures ?? 0, change)
            }
            before = count
            await scheduler.outages.publish(change)
        } catch {
            logger.warning("camera health not recorded", metadata: ["error": "\(error)"])
            return nil
        }
        guard error != nil else {
            if before > 0 { logger.info("camera recovered", metadata: ["after_failures": "\(before)"]) }
            return 0
        }
        return before + 1
    }
}
