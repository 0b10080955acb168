import Catalog
import Database
import DataDirectory
import Foundation
import TimelapserCore

// The JSON shapes of the entities (docs/API.md), built from the records.

/// A camera, with its URL's password masked and its in-memory capture health.
struct CameraResponse: Encodable {
    var id: Int64
    var name: String
    @AlwaysPresent var rtspUrl: String?
    var captureIntervalSeconds: Int
    var generateThumbnails: Bool
    @AlwaysPresent var activeTimelapseId: Int64?
    var createdAt: Date
    var consecutiveFailures: Int
    @AlwaysPresent var lastError: String?
    @AlwaysPresent var lastSuccessAt: Date?
    @AlwaysPresent var lastCaptureAt: Date?
    var framesRejected: Int
    /// Share of the asked range (default the last 24 h) not covered by outages; null when nothing of it has passed.
    @AlwaysPresent var uptimePercent: Double? = nil
    var outageOpen = false
    var captureWindow: CaptureWindow
    @AlwaysPresent var timezone: String?
    var rotate: Int
    @AlwaysPresent var crop: CameraCrop?
    /// The next slot the scheduler captures (inside the window); null without a URL or a running timelapse.
    @AlwaysPresent var nextCaptureAt: Date? = nil
    /// Whether the capture window is open now.
    var windowOpen = true
    /// The camera's own retention policy; null: it follows the default in the settings.
    @AlwaysPresent var retention: RetentionPolicy?

    init(_ c: CameraRecord, framesRejected: Int = 0) {
        id = c.id
        name = c.name
        rtspUrl = c.rtspUrl.map(CredentialMask.mask)
        captureIntervalSeconds = c.captureIntervalSeconds
        generateThumbnails = c.generateThumbnails
        activeTimelapseId = c.activeTimelapseId
        createdAt = c.createdAt
        consecutiveFailures = c.consecutiveFailures
        lastError = c.lastError.map(CredentialMask.maskURLs)
        lastSuccessAt = c.lastSuccessAt
        lastCaptureAt = c.lastCaptureAt
        self.framesRejected = framesRejected
        captureWindow = CaptureWindow.fromStored(c.captureWindow)
        retention = RetentionPolicy.fromStored(c.retention)
        timezone = c.timezone
        rotate = c.rotate
        crop = CameraCrop.fromStored(c.crop)
    }
}

struct TimelapseResponse: Encodable {
    var id: Int64
    var cameraId: Int64
    var name: String
    var status: TimelapseStatus
    var startedAt: Date
    @AlwaysPresent var completedAt: Date?
    var imageCount: Int
    var thumbnailCount: Int
    var smallCount: Int
    var createdAt: Date

    init(_ t: TimelapseRecord) {
        id = t.id
        cameraId = t.cameraId
        name = t.name
        status = t.status
        startedAt = t.startedAt
        completedAt = t.completedAt
        imageCount = t.imageCount
        thumbnailCount = t.thumbnailCount
        smallCount = t.smallCount
        createdAt = t.createdAt
    }
}

/// Versioned URLs of every variant of an image (`?v=` is the variant's generation).
struct ImageURLs: Encodable {
    var thumbnail: String
    var small: String
    var full: String

    init(_ i: ImageRecord) {
        thumbnail = ImageURL.variant(imageId: i.id, .thumbnail, generation: i.thumbnailGeneration)
        small = ImageURL.variant(imageId: i.id, .small, generation: i.smallGeneration)
        full = ImageURL.variant(imageId: i.id, .full, generation: 0)
    }
}

struct ImageResponse: Encodable {
    var id: Int64
    var timelapseId: Int64
    var cameraId: Int64
    var filePath: String
    var capturedAt: Date
    var dayNumber: Int
    var fileSize: Int64
    var width: Int
    var height: Int
    @AlwaysPresent var thumbnailPath: String?
    @AlwaysPresent var smallPath: String?
    @AlwaysPresent var thumbnailSize: Int64?
    @AlwaysPresent var smallSize: Int64?
    /// Standard base64 of the thumbnail's ThumbHash, or null.
    @AlwaysPresent var thumbhash: String?
    /// Bytes of each variant's WebP companion, null when none (`variant_formats`).
    @AlwaysPresent var thumbnailWebpSize: Int64?
    @AlwaysPresent var smallWebpSize: Int64?
    var urls: ImageURLs

    init(_ i: ImageRecord) {
        thumbnailWebpSize = i.thumbnailWebpSize
        smallWebpSize = i.smallWebpSize
        thumbhash = i.thumbhash
        id = i.id
        timelapseId = i.timelapseId
        cameraId = i.cameraId
        filePath = i.filePath
        capturedAt = i.capturedAt
        dayNumber = i.dayNumber
        fileSize = i.fileSize
        width = i.width
        height = i.height
        thumbnailPath = i.thumbnailPath
        smallPath = i.smallPath
        thumbnailSize = i.thumbnailSize
        smallSize = i.smallSize
        urls = ImageURLs(i)
    }
}

/// What a capture stored (`POST /api/cameras/{id}/captures`).
struct CaptureResponse: Encodable {
    var imageId: Int64
    var timelapseId: Int64
    var cameraId: Int64
    var filePath: String
    var dayNumber: Int
    var capturedAt: Date
    var fileSize: Int64
    var width: Int
    var height: Int
    @AlwaysPresent var thumbnailJobId: Int64?
    var urls: ImageURLs

    init(_ frame: IngestedFrame) {
        let image = frame.image
        imageId = image.id
        timelapseId = image.timelapseId
        cameraId = image.cameraId
        filePath = image.filePath
        dayNumber = image.dayNumber
        capturedAt = image.capturedAt
        fileSize = image.fileSize
        width = image.width
        height = image.height
        thumbnailJobId = frame.thumbnailJobId
        urls = ImageURLs(image)
    }
}

/// What a deletion removed.
struct DeletionResponse: Encodable {
    var camerasDeleted: Int
    var timelapsesDeleted: Int
    var imagesDeleted: Int
    var thumbnailsDeleted: Int
    var smallsDeleted: Int

    init(_ s: DeletionSummary) {
        camerasDeleted = s.cameras
        timelapsesDeleted = s.timelapses
        imagesDeleted = s.images
        thumbnailsDeleted = s.thumbnails
        smallsDeleted = s.smalls
    }
}

/// `POST /api/images/{id}/thumbnails/regenerate`.
struct RegenerationQueued: Encodable {
    var imageId: Int64
    var jobId: Int64
    var priority: JobPriority
}

/// `GET /api/health`.
struct HealthResponse: Encodable {
    struct Queue: Encodable {
        var pending: Int
        var processing: Int
        var failed: Int
    }

    struct Disk: Encodable {
        var freeBytes: Int64
        var totalBytes: Int64
        var reserveBytes: Int64
        var status: DiskStatus
    }

    /// Whether the data directory carries this database's marker; `reason` is null when it does.
    struct DataDirectory: Encodable {
        /// "ok" or "mismatch".
        var status: String
        var reason: String?

        enum CodingKeys: String, CodingKey { case status, reason }

        // `reason` is written as null rather than left out, so clients see the field either way.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            try container.encode(reason, forKey: .reason)
        }
    }

    var status = "ok"
    var version: String
    var build: String
    var database: DatabaseEngine
    var queue: Queue
    var disk: Disk
    /// A mismatch refuses destructive maintenance but leaves the server healthy (200).
    var dataDir: DataDirectory
    var auth: Auth
    var serving: Serving

    /// The fast image path and its byte cache (``ImageFastPath``, ``ServedBytesCache``).
    struct Serving: Encodable {
        /// Requests answered from memory on the event loop since the server started.
        var fastResponses: Int
        var cacheBytes: Int
        var cacheFiles: Int
        /// The `serving_cache_bytes` setting.
        var cacheBudgetBytes: Int
    }

    /// How the server authenticates, whether it waits for its first admin, and the warning of an open server.
    struct Auth: Encodable {
        var mode: AuthMode
        var setupRequired: Bool
        @AlwaysPresent var warning: String?
    }
}
