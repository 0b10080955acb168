import Catalog
import Database
import DataDirectory
import Events
import Foundation
import TimelapserCore

/// The JSON shapes of the entities (docs/API.md).
enum EntityJSON {
    static func camera(_ c: CameraRecord, framesRejected: Int = 0) -> JSONValue {
        .object([
            "id": .int(Int(c.id)), "name": .string(c.name), "rtsp_url": JSONValue(c.rtspUrl.map(CredentialMask.mask)),
            "capture_interval_seconds": .int(c.captureIntervalSeconds), "generate_thumbnails": .bool(c.generateThumbnails),
            "active_timelapse_id": JSONValue(c.activeTimelapseId), "created_at": JSONDate.value(c.createdAt),
            "consecutive_failures": .int(c.consecutiveFailures), "last_error": JSONValue(c.lastError.map(CredentialMask.maskURLs)),
            "last_success_at": JSONDate.value(c.lastSuccessAt), "last_capture_at": JSONDate.value(c.lastCaptureAt),
            "frames_rejected": .int(framesRejected),
        ])
    }

    static func timelapse(_ t: TimelapseRecord) -> JSONValue {
        .object([
            "id": .int(Int(t.id)), "camera_id": .int(Int(t.cameraId)), "name": .string(t.name), "status": .string(t.status.rawValue),
            "started_at": JSONDate.value(t.startedAt), "completed_at": JSONDate.value(t.completedAt),
            "image_count": .int(t.imageCount), "thumbnail_count": .int(t.thumbnailCount), "small_count": .int(t.smallCount),
            "created_at": JSONDate.value(t.createdAt),
        ])
    }

    static func image(_ i: ImageRecord) -> JSONValue {
        .object([
            "id": .int(Int(i.id)), "timelapse_id": .int(Int(i.timelapseId)), "camera_id": .int(Int(i.cameraId)),
            "file_path": .string(i.filePath), "captured_at": JSONDate.value(i.capturedAt), "day_number": .int(i.dayNumber),
            "file_size": .int(Int(i.fileSize)), "width": .int(i.width), "height": .int(i.height),
            "thumbnail_path": JSONValue(i.thumbnailPath), "small_path": JSONValue(i.smallPath),
            "thumbnail_size": JSONValue(i.thumbnailSize), "small_size": JSONValue(i.smallSize),
            "urls": imageURLs(i),
        ])
    }

    /// Versioned URLs of every variant of an image (`?v=` is the variant's generation).
    static func imageURLs(_ i: ImageRecord) -> JSONValue {
        .object([
            "thumbnail": .string(ImageURL.variant(imageId: i.id, .thumbnail, generation: i.thumbnailGeneration)),
            "small": .string(ImageURL.variant(imageId: i.id, .small, generation: i.smallGeneration)),
            "full": .string(ImageURL.variant(imageId: i.id, .full, generation: 0)),
        ])
    }

    static func deletion(_ s: Catalog.DeletionSummary) -> JSONValue {
        .object([
            "cameras_deleted": .int(s.cameras), "timelapses_deleted": .int(s.timelapses), "images_deleted": .int(s.images),
            "thumbnails_deleted": .int(s.thumbnails), "smalls_deleted": .int(s.smalls),
        ])
    }
}

