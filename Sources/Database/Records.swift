import Foundation
import TimelapserCore

/// A camera row, with the id of its running timelapse (if any) joined in.
public struct CameraRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var rtspUrl: String?
    public var captureIntervalSeconds: Int
    public var generateThumbnails: Bool
    public var consecutiveFailures: Int
    public var lastError: String?
    public var lastSuccessAt: Date?
    public var lastCaptureAt: Date?
    public var createdAt: Date
    public var activeTimelapseId: Int64?
    /// The capture window's JSON (nil: always).
    public var captureWindow: String?
    /// The camera's own IANA time zone (nil: the `timezone` setting).
    public var timezone: String?
    /// Rotation applied to variants and videos (0, 90, 180, 270), never to the stored frame.
    public var rotate: Int
    /// Crop (`{x, y, w, h}` JSON) applied to variants and videos, never to the stored frame.
    public var crop: String?
    /// The process that owns the camera's capture schedule, and until when.
    public var captureOwner: String?
    public var captureLeaseUntil: Date?
    /// The last slot of the schedule that was captured (or attempted), so no owner captures it again.
    public var lastSlotAt: Date?
    /// The camera's own retention policy's JSON (nil: the default in the settings).
    public var retention: String?
}

/// A timelapse row: a recording session of one camera, with its maintained counts.
public struct TimelapseRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var cameraId: Int64
    public var name: String
    public var status: TimelapseStatus
    public var startedAt: Date
    public var completedAt: Date?
    public var imageCount: Int
    public var thumbnailCount: Int
    public var smallCount: Int
    public var frameBytes: Int64
    public var thumbnailBytes: Int64
    public var smallBytes: Int64
    public var createdAt: Date

    public var isRunning: Bool { status == .running }
}

/// An image (frame) row. Paths are relative to the data directory.
public struct ImageRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var timelapseId: Int64
    public var cameraId: Int64
    public var filePath: String
    public var capturedAt: Date
    public var dayNumber: Int
    public var fileSize: Int64
    public var width: Int
    public var height: Int
    public var thumbnailPath: String?
    public var smallPath: String?
    public var thumbnailSize: Int64?
    public var smallSize: Int64?
    public var thumbnailGeneration: Int
    public var smallGeneration: Int
    public var createdAt: Date
    /// Standard base64 of the thumbnail's ThumbHash; nil until a thumbnail was made since placeholders existed.
    public var thumbhash: String?
    /// Bytes of the thumbnail's WebP companion (same name, `.webp`); nil when none was written.
    public var thumbnailWebpSize: Int64?
    /// Bytes of the small's WebP companion; nil when none was written.
    public var smallWebpSize: Int64?

    /// The WebP companion's size of a variant kind.
    public func webpSize(_ kind: VariantKind) -> Int64? { kind == .thumbnail ? thumbnailWebpSize : smallWebpSize }
}

/// A frame's id and capture time: what a timeline of every frame needs.
public struct FrameMoment: Codable, Sendable, Equatable {
    public var id: Int64
    public var capturedAt: Date
}

/// A row of `thumbnail_generation_jobs`.
public struct ThumbnailJobRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var imageId: Int64
    public var priority: JobPriority
    public var priorityRank: Int
    public var status: JobStatus
    public var jobType: JobType
    public var includeSmalls: Bool
    public var sessionId: Int64?
    public var createdAt: Date
    public var runAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var lockedBy: String?
    public var leaseUntil: Date?
    public var attempts: Int
    public var retryCount: Int
    public var errorMessage: String?
    public var processingTimeMs: Int?

    // Spelled out (instead of decoding with `.convertFromSnakeCase`) because job rows are decoded on the queue's
    // hottest path, and the key conversion costs Unicode look-ups for every key of every row.
    enum CodingKeys: String, CodingKey {
        case id, priority, status, attempts
        case imageId = "image_id", priorityRank = "priority_rank", jobType = "job_type", includeSmalls = "include_smalls"
        case sessionId = "session_id", createdAt = "created_at", runAt = "run_at", startedAt = "started_at"
        case completedAt = "completed_at", lockedBy = "locked_by", leaseUntil = "lease_until", retryCount = "retry_count"
        case errorMessage = "error_message", processingTimeMs = "processing_time_ms"
    }
}

/// A bulk regeneration run (regenerate-all), persisted so every process sees its status.
public struct RegenerationSessionRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var status: RegenerationStatus
    public var forceAll: Bool
    public var imageLimit: Int?
    public var total: Int
    public var cancelRequested: Bool
    public var startedAt: Date
    public var finishedAt: Date?
}

/// A row of `videos`: one render of a timelapse, from queued to its file. `settings` is the render settings' JSON.
public struct VideoRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var timelapseId: Int64
    public var name: String
    public var version: Int
    public var filePath: String
    public var posterPath: String?
    public var status: VideoStatus
    public var origin: VideoOrigin
    public var settings: String
    public var cancelRequested: Bool
    public var framesTotal: Int
    public var framesDone: Int
    public var renderFps: Double?
    public var etaSeconds: Double?
    public var frameCount: Int?
    public var firstFrameAt: Date?
    public var lastFrameAt: Date?
    public var fps: Double?
    public var durationSeconds: Double?
    public var sizeBytes: Int64?
    public var codec: String?
    public var width: Int?
    public var height: Int?
    public var errorMessage: String?
    public var attempts: Int
    public var lockedBy: String?
    public var leaseUntil: Date?
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var renderMs: Int?
}

/// A frame as a render plans with it: where it is, when it was taken, and its brightness.
public struct RenderFrameRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var filePath: String
    public var capturedAt: Date
    public var dayNumber: Int
    public var width: Int
    public var height: Int
    /// Mean luma (0–255) of the frame's thumbnail; nil until its thumbnail is (re)made.
    public var meanLuma: Double?

    public init(id: Int64, filePath: String, capturedAt: Date, dayNumber: Int, width: Int, height: Int, meanLuma: Double?) {
        self.id = id
        self.filePath = filePath
        self.capturedAt = capturedAt
        self.dayNumber = dayNumber
        self.width = width
        self.height = height
        self.meanLuma = meanLuma
    }
}

/// What a finished render wrote, as its row records it.
public struct RenderedVideo: Sendable, Equatable {
    public var posterPath: String?
    public var frameCount: Int
    public var firstFrameAt: Date?
    public var lastFrameAt: Date?
    public var fps: Double
    public var durationSeconds: Double
    public var sizeBytes: Int64
    public var codec: String
    public var width: Int
    public var height: Int
    public var renderMs: Int

    public init(posterPath: String?, frameCount: Int, firstFrameAt: Date?, lastFrameAt: Date?, fps: Double,
                durationSeconds: Double, sizeBytes: Int64, codec: String, width: Int, height: Int, renderMs: Int) {
        self.posterPath = posterPath
        self.frameCount = frameCount
        self.firstFrameAt = firstFrameAt
        self.lastFrameAt = lastFrameAt
        self.fps = fps
        self.durationSeconds = durationSeconds
        self.sizeBytes = sizeBytes
        self.codec = codec
        self.width = width
        self.height = height
        self.renderMs = renderMs
    }
}

/// A timelapse with its render automation (JSON), for the automation scheduler.
public struct AutomatedTimelapse: Sendable, Equatable {
    public var timelapse: TimelapseRecord
    public var automation: String
}
