import Database
import DataDirectory
import Events
import Foundation
import Imaging
import Logging
import NIOPosix
import ThumbnailJobs
import TimelapserCore

/// The result of accepting a frame, as `POST /api/cameras/{id}/captures` answers it.
public struct IngestedFrame: Sendable {
    public var image: ImageRecord
    public var thumbnailJobId: Int64?
}

/// Accepts camera frames: corruption detection, an atomic no-clobber write under its `DataLayout` path, then the
/// image row and its thumbnail job in one transaction, then `image_captured`. HTTP uploads, folder imports and
/// camera grabs all come through here.
public struct FrameIngest: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let events: EventBus
    let disk: DiskGuard
    let budget: DecodeMemoryBudget
    /// Where variants made from the corruption check's decode wait for the frame's thumbnail job.
    let handoff: VariantHandoff
    let logger: Logger
    let owner = TempOwner(workerID: "ingest-" + TempOwner.currentWorkerID(), jobID: 0)

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, queue: ThumbnailJobQueue,
                events: EventBus, disk: DiskGuard, budget: DecodeMemoryBudget, handoff: VariantHandoff = VariantHandoff(),
                logger: Logger) {
        self.handoff = handoff
        self.database = database
        self.layout = layout
        self.settings = settings
        self.queue = queue
        self.events = events
        self.disk = disk
        self.budget = budget
        self.logger = logger
    }

    /// The largest body a capture may have (`max_upload_bytes`).
    public func uploadLimit() async throws -> Int {
        try await settings.current().maxUploadBytes
    }

    /// The `timezone` setting: a camera without its own zone lives in it.
    public func settingsTimeZone() async throws -> TimeZone {
        try await settings.current().timeZone
    }

    /// Ingests one frame for the camera's running timelapse. Nothing is stored when it throws.
    public func ingest(cameraId: Int64, bytes: [UInt8], capturedAt: Date? = nil) async throws -> IngestedFrame {
        let settings = try await settings.current()
        guard bytes.count <= settings.maxUploadBytes else { throw CatalogError.uploadTooLarge(limit: settings.maxUploadBytes) }
        let (camera, timelapse) = try await target(cameraId: cameraId)
        let capturedAt = capturedAt ?? Date()
        guard capturedAt >= timelapse.startedAt.addingTimeInterval(-1) else {
            throw CatalogError.invalidField(field: "captured_at", message: "is before the timelapse started")
        }
        // Below the reserve a capture is refused before anything is written (507), so the disk never fills up.
        let volume = await disk.check()
        guard volume.status == .ok else { throw CatalogError.insufficientStorage(freeBytes: volume.usage.freeBytes) }
        let zone = camera.timeZone(fallback: settings.timeZone)
        let dayNumber = DataLayout.dayNumber(startedAt: timelapse.startedAt, capturedAt: capturedAt, timeZone: zone)
        let clock = DataLayout.clock(capturedAt, timeZone: zone)
        let plainName = DataLayout.frameName(timelapseId: timelapse.id, dayNumber: dayNumber, clock: clock)
        // A duplicate is the same instant (to the second), whatever its name: refused before anything is written.
        if try await database.read({ try await ImageStore.hasFrame($0, timelapseId: timelapse.id, capturedInSecondOf: capturedAt) }) {
            throw CatalogError.duplicateFrame(fileName: plainName)
        }
        // The frame's bytes go to a synced temp file while corruption detection decodes them: it gets its name only
        // once accepted, and a refused frame's temp file is removed, so nothing of it is ever seen.
        let folder = DataLayout.framesDirectory(cameraId: timelapse.cameraId, timelapseId: timelapse.id)
        guard let folderPath = layout.absolutePath(folder) else { throw CatalogError.invalidField(field: "file_path", message: "invalid") }
        let staging = Task { [owner] in
            try await VariantHandoff.writePool.runIfActive { try AtomicFile.stage(bytes, inDirectory: folderPath, nameHint: plainName, owner: owner) }
        }

        let wantsThumbnails = settings.generateThumbnails && camera.generateThumbnails
        // The check decodes at the scale the thumbnail job needs, so the variants can be made from that decode (in
        // the background while the frame is named and committed) instead of a second one in the worker.
        let request = wantsThumbnails && handoff.isEnabled ? VariantHandoff.Request(
            settings: settings, makeSmall: settings.smallGenerationMode != .none, transform: camera.frameTransform) : nil
        let checking = ContinuousClock.now
        let inspected: InspectedFrame
        do {
            inspected = try await checkWithinBudget(bytes, settings: settings, preparing: request)
        } catch {
            (try? await staging.value)?.discard()
            throw error
        }
        let inspection = inspected.inspection
        let started = inspected.variants.map { VariantHandoff.start($0, decodeTime: checking.duration(to: .now)) }
        var stored = false
        defer { if !stored { started?.cancel() } }
        let relative: String, absolute: String
        do {
            let staged = try await staging.value
            (relative, absolute) = try await VariantHandoff.writePool.runIfActive { [self] in
                try publishFrame(staged, folder: folder, timelapseId: timelapse.id, dayNumber: dayNumber, clock: clock)
            }
        } catch let error as FileWriteError where error.isOutOfSpace {
            // AtomicFile removed its temp file: nothing of the frame is left.
            await disk.writeFailed()
            throw CatalogError.insufficientStorage(freeBytes: DiskUsage.of(layout.root)?.freeBytes ?? 0)
        }
        if let started { handoff.offer(started, framePath: relative, frameBytes: bytes.count, layout: layout, owner: owner) }
        let saved: CaptureStore.StoredFrame
        do {
            saved = try await database.transaction { db in
                try await CaptureStore.insertFrame(
                    db, timelapseId: timelapse.id, cameraId: camera.id, filePath: relative, capturedAt: capturedAt,
                    dayNumber: dayNumber, fileSize: Int64(bytes.count), width: inspection.probe.uprightWidth,
                    height: inspection.probe.uprightHeight,
                    job: wantsThumbnails ? ThumbnailJobQueue.request(.medium) : nil, at: Date())
            }
        } catch {
            unlink(absolute)
            handoff.withdraw(framePath: relative, layout: layout)
            if case DatabaseError.conflict = error { throw CatalogError.duplicateFrame(fileName: plainName) }
            if case DatabaseError.diskFull = error {
                await disk.writeFailed()
                throw CatalogError.insufficientStorage(freeBytes: DiskUsage.of(layout.root)?.freeBytes ?? 0)
            }
            throw error
        }
        stored = true
        if let jobError = saved.jobError {
            // A failed enqueue never fails the capture: the frame is kept, verify or a regeneration queues it later.
            logger.warning("capture kept, thumbnail job not queued", metadata: ["image_id": "\(saved.image.id)", "error": "\(jobError)"])
        }
        if saved.jobId == nil { handoff.withdraw(framePath: relative, layout: layout) }
        let result = IngestedFrame(image: saved.image, thumbnailJobId: saved.jobId)
        ThumbnailMetrics.captureAccepted()
        if result.thumbnailJobId != nil { queue.wake.signal() }
        await events.publish(.imageCaptured(ImageCaptured(
            imageId: result.image.id, timelapseId: timelapse.id, cameraId: camera.id, capturedAt: result.image.capturedAt,
            dayNumber: result.image.dayNumber, thumbnailJobId: result.thumbnailJobId)))
        return result
    }

    /// Names the staged frame, no-clobber, with the first free name of its local time: the plain name, else `_2`,
    /// `_3`… (another instant with the same local name: a repeated hour, a clock set back, a new time zone). The
    /// staged file is removed when no name is free or naming fails.
    func publishFrame(_ staged: StagedFile, folder: String, timelapseId: Int64, dayNumber: Int, clock: String) throws
        -> (relative: String, absolute: String) {
        var published = false
        defer { if !published { staged.discard() } }
        for collision in 1...Self.maxNameCollisions {
            let name = DataLayout.frameName(timelapseId: timelapseId, dayNumber: dayNumber, clock: clock, collision: collision)
            let relative = folder + "/" + name
            guard let absolute = layout.absolutePath(relative) else { throw CatalogError.invalidField(field: "file_path", message: "invalid") }
            if try staged.publishNew(as: name) {
                published = true
                return (relative, absolute)
            }
        }
        throw CatalogError.duplicateFrame(fileName: DataLayout.frameName(timelapseId: timelapseId, dayNumber: dayNumber, clock: clock))
    }

    /// More instants than this sharing one local second is not a clock problem but a loop: refuse.
    static let maxNameCollisions = 100

    func target(cameraId: Int64) async throws -> (CameraRecord, TimelapseRecord) {
        try await database.read { db in
            guard let camera = try await CameraStore.fetchOne(db, id: cameraId) else { throw CatalogError.cameraNotFound(cameraId) }
            guard let timelapse = try await TimelapseStore.fetchRunning(db, cameraId: cameraId) else {
                throw CatalogError.noRunningTimelapse(cameraId: cameraId)
            }
            return (camera, timelapse)
        }
    }

    /// Corruption detection under the decode memory budget: a frame whose decode alone would exceed it is refused
    /// (422 `over_memory_budget`), others wait their turn.
    func checkWithinBudget(_ bytes: [UInt8], settings: Settings, preparing request: VariantHandoff.Request?) async throws -> InspectedFrame {
        // A header that does not parse, or claims more pixels than allowed, is refused by inspect with its reason.
        let limits = ImageLimits(maxSourcePixels: settings.maxSourcePixels)
        guard let cost = try? DecodeCost.bytes(bytes, limits: limits) else { return try inspect(bytes, settings: settings, preparing: request) }
        do {
            return try await budget.withReservation(cost) { try inspect(bytes, settings: settings, preparing: request) }
        } catch let error as ImagingError {
            ThumbnailMetrics.captureRejected(reason: error.reason)
            throw CatalogError.frameRejected(reason: error.reason, message: error.message, score: 1)
        }
    }

    /// Corruption detection; any refusal becomes ``CatalogError/frameRejected(reason:message:score:)``.
    func inspect(_ bytes: [UInt8], settings: Settings, preparing request: VariantHandoff.Request?) throws -> InspectedFrame {
        let detector = CorruptionDetector(limits: ImageLimits(maxSourcePixels: settings.maxSourcePixels))
        let inspected: InspectedFrame
        do {
            if let request {
                inspected = try detector.inspect(data: bytes, preparing: request.thumbnail, small: request.small, transform: request.transform)
            } else {
                inspected = InspectedFrame(inspection: try detector.inspect(data: bytes))
            }
        } catch {
            ThumbnailMetrics.captureRejected(reason: error.reason)
            throw CatalogError.frameRejected(reason: error.reason, message: error.message, score: 1)
        }
        let inspection = inspected.inspection
        guard inspection.accepted else {
            let reason = inspection.reason ?? "corrupt"
            ThumbnailMetrics.captureRejected(reason: reason)
            throw CatalogError.frameRejected(reason: reason, message: Self.explain(reason), score: inspection.score)
        }
        return inspected
    }

    static func explain(_ reason: String) -> String {
        switch reason {
        case "flat_colour": "the frame is one flat colour (a lost or blank stream)"
        case "grey_band_bottom": "the lower part of the frame is flat grey (packets lost in transit)"
        default: "the frame failed corruption detection (\(reason))"
        }
    }
}

