import Events
import Foundation
import Imaging
import Logging
import Storage
import Thumbnails

/// The result of accepting a frame, as `POST /api/cameras/{id}/captures` answers it.
public struct IngestedFrame: Sendable {
    public var image: ImageRecord
    public var thumbnailJobId: Int64?
}

/// Accepts camera frames: corruption detection, an atomic no-clobber write under the reference path, then the
/// image row and its thumbnail job in one transaction, then `image_captured`. HTTP uploads, folder imports and
/// camera grabs all come through here.
public struct FrameIngest: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let events: EventBus
    let logger: Logger
    let owner = TempOwner(workerID: "ingest-" + TempOwner.currentWorkerID(), jobID: 0)

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, queue: ThumbnailJobQueue,
                events: EventBus, logger: Logger) {
        self.database = database
        self.layout = layout
        self.settings = settings
        self.queue = queue
        self.events = events
        self.logger = logger
    }

    /// The largest body a capture may have (`max_upload_bytes`).
    public func uploadLimit() async throws -> Int {
        try await settings.current().maxUploadBytes
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
        let inspection = try inspect(bytes, settings: settings)

        let zone = settings.timeZone
        let name = DataLayout.frameName(
            timelapseId: timelapse.id,
            dayNumber: DataLayout.dayNumber(startedAt: timelapse.startedAt, capturedAt: capturedAt, timeZone: zone),
            clock: DataLayout.clock(capturedAt, timeZone: zone))
        let relative = DataLayout.framesDirectory(cameraId: camera.id, timelapseId: timelapse.id) + "/" + name
        guard let absolute = layout.absolutePath(relative) else { throw CatalogError.invalidField(field: "file_path", message: "invalid") }
        guard try AtomicFile.writeNew(bytes, to: absolute, owner: owner) else { throw CatalogError.duplicateFrame(fileName: name) }

        let wantsThumbnails = settings.generateThumbnails && camera.generateThumbnails
        let result: IngestedFrame
        do {
            result = try await database.transaction { db in
                let image = try await ImageStore.insert(
                    db, timelapseId: timelapse.id, cameraId: camera.id, filePath: relative, capturedAt: capturedAt,
                    dayNumber: DataLayout.dayNumber(startedAt: timelapse.startedAt, capturedAt: capturedAt, timeZone: zone),
                    fileSize: Int64(bytes.count), width: inspection.probe.uprightWidth, height: inspection.probe.uprightHeight, at: Date())
                let jobId = wantsThumbnails ? await Self.enqueueQuietly(db, imageId: image.id, logger: logger) : nil
                return IngestedFrame(image: image, thumbnailJobId: jobId)
            }
        } catch {
            unlink(absolute)
            if case StorageError.conflict = error { throw CatalogError.duplicateFrame(fileName: name) }
            throw error
        }
        ThumbnailMetrics.captureAccepted()
        if result.thumbnailJobId != nil { queue.wake.signal() }
        await events.publish(EventType.imageCaptured, [
            "image_id": .int(Int(result.image.id)), "timelapse_id": .int(Int(timelapse.id)), "camera_id": .int(Int(camera.id)),
            "captured_at": .string(result.image.capturedAt.formatted(.iso8601)), "day_number": .int(result.image.dayNumber),
            "thumbnail_job_id": result.thumbnailJobId.map { .int(Int($0)) } ?? .null,
        ])
        return result
    }

    /// A failed enqueue never fails the capture (the reference: "don't fail the capture if thumbnail queuing
    /// fails"); a savepoint keeps the frame's row when the job insert goes wrong.
    static func enqueueQuietly(_ db: any SQLDatabase, imageId: Int64, logger: Logger) async -> Int64? {
        do {
            return try await Savepoint.attempt(db, name: "enqueue_job") {
                try await ThumbnailJobQueue.enqueue(in: db, imageId: imageId, priority: .medium)
            }
        } catch {
            logger.warning("capture kept, thumbnail job not queued", metadata: ["image_id": "\(imageId)", "error": "\(error)"])
            return nil
        }
    }

    func target(cameraId: Int64) async throws -> (CameraRecord, TimelapseRecord) {
        try await database.read { db in
            guard let camera = try await CameraStore.fetchOne(db, id: cameraId) else { throw CatalogError.cameraNotFound(cameraId) }
            guard let timelapse = try await TimelapseStore.fetchRunning(db, cameraId: cameraId) else {
                throw CatalogError.noRunningTimelapse(cameraId: cameraId)
            }
            return (camera, timelapse)
        }
    }

    /// Corruption detection; any refusal becomes ``CatalogError/frameRejected(reason:message:score:)``.
    func inspect(_ bytes: [UInt8], settings: Settings) throws -> FrameInspection {
        let detector = CorruptionDetector(limits: ImageLimits(maxSourcePixels: settings.maxSourcePixels))
        let inspection: FrameInspection
        do {
            inspection = try detector.inspect(data: bytes)
        } catch {
            ThumbnailMetrics.captureRejected(reason: error.reason)
            throw CatalogError.frameRejected(reason: error.reason, message: error.message, score: 1)
        }
        guard inspection.accepted else {
            let reason = inspection.reason ?? "corrupt"
            ThumbnailMetrics.captureRejected(reason: reason)
            throw CatalogError.frameRejected(reason: reason, message: Self.explain(reason), score: inspection.score)
        }
        return inspection
    }

    static func explain(_ reason: String) -> String {
        switch reason {
        case "flat_colour": "the frame is one flat colour (a lost or blank stream)"
        case "grey_band_bottom": "the lower part of the frame is flat grey (packets lost in transit)"
        default: "the frame failed corruption detection (\(reason))"
        }
    }
}

import SQLKit
