import Foundation

// The payload of each ``ServerEvent`` case. Property names become snake_case keys on the wire.

/// A frame was stored (upload, import or camera grab).
public struct ImageCaptured: Codable, Sendable, Equatable {
    public var imageId: Int64
    public var timelapseId: Int64
    public var cameraId: Int64
    public var capturedAt: Date
    public var dayNumber: Int
    @AlwaysPresent public var thumbnailJobId: Int64?

    public init(imageId: Int64, timelapseId: Int64, cameraId: Int64, capturedAt: Date, dayNumber: Int, thumbnailJobId: Int64?) {
        self.imageId = imageId
        self.timelapseId = timelapseId
        self.cameraId = cameraId
        self.capturedAt = capturedAt
        self.dayNumber = dayNumber
        self.thumbnailJobId = thumbnailJobId
    }
}

/// A frame, its variants and its row were deleted.
public struct ImageDeleted: Codable, Sendable, Equatable {
    public var imageId: Int64
    public var timelapseId: Int64
    public var cameraId: Int64

    public init(imageId: Int64, timelapseId: Int64, cameraId: Int64) {
        self.imageId = imageId
        self.timelapseId = timelapseId
        self.cameraId = cameraId
    }
}

/// A thumbnail job wrote its variants and committed them.
public struct ThumbnailJobCompleted: Codable, Sendable, Equatable {
    public var jobId: Int64
    public var imageId: Int64
    public var timelapseId: Int64
    public var cameraId: Int64
    public var processingTimeMs: Int
    /// Versioned URL of the new thumbnail.
    public var thumbnailUrl: String
    /// Versioned URL of the small; nil when the job made none.
    @AlwaysPresent public var smallUrl: String?
    /// The regeneration session the job belonged to (left out when none).
    public var sessionId: Int64?
    /// Standard base64 of the new thumbnail's ThumbHash.
    @AlwaysPresent public var thumbhash: String?

    public init(jobId: Int64, imageId: Int64, timelapseId: Int64, cameraId: Int64, processingTimeMs: Int,
                thumbnailUrl: String, smallUrl: String?, sessionId: Int64?, thumbhash: String? = nil) {
        self.thumbhash = thumbhash
        self.jobId = jobId
        self.imageId = imageId
        self.timelapseId = timelapseId
        self.cameraId = cameraId
        self.processingTimeMs = processingTimeMs
        self.thumbnailUrl = thumbnailUrl
        self.smallUrl = smallUrl
        self.sessionId = sessionId
    }
}

/// A thumbnail job attempt failed.
public struct ThumbnailJobFailed: Codable, Sendable, Equatable {
    public var jobId: Int64
    public var imageId: Int64
    public var error: String
    public var willRetry: Bool
    public var retryCount: Int

    public init(jobId: Int64, imageId: Int64, error: String, willRetry: Bool, retryCount: Int) {
        self.jobId = jobId
        self.imageId = imageId
        self.error = error
        self.willRetry = willRetry
        self.retryCount = retryCount
    }
}

/// A regenerate-all session queued its jobs.
public struct RegenerationStarted: Codable, Sendable, Equatable {
    public var sessionId: Int64
    public var total: Int
    public var force: Bool
    @AlwaysPresent public var limit: Int?
    public var skippedWithActiveJob: Int

    public init(sessionId: Int64, total: Int, force: Bool, limit: Int?, skippedWithActiveJob: Int) {
        self.sessionId = sessionId
        self.total = total
        self.force = force
        self.limit = limit
        self.skippedWithActiveJob = skippedWithActiveJob
    }
}

/// Progress of the active regenerate-all session (sent when its counts change).
public struct RegenerationProgressed: Codable, Sendable, Equatable {
    public var sessionId: Int64
    public var total: Int
    public var completed: Int
    public var failed: Int
    public var cancelled: Int
    public var pending: Int
    public var processing: Int
    public var progressPercent: Double
    @AlwaysPresent public var ratePerSecond: Double?
    @AlwaysPresent public var estimatedCompletion: Date?

    public init(sessionId: Int64, total: Int, completed: Int, failed: Int, cancelled: Int, pending: Int, processing: Int,
                progressPercent: Double, ratePerSecond: Double?, estimatedCompletion: Date?) {
        self.sessionId = sessionId
        self.total = total
        self.completed = completed
        self.failed = failed
        self.cancelled = cancelled
        self.pending = pending
        self.processing = processing
        self.progressPercent = progressPercent
        self.ratePerSecond = ratePerSecond
        self.estimatedCompletion = estimatedCompletion
    }
}

/// A regenerate-all session ended (completed or cancelled).
public struct RegenerationEnded: Codable, Sendable, Equatable {
    public var sessionId: Int64
    public var total: Int
    public var completed: Int
    public var failed: Int
    public var cancelled: Int
    public var durationSeconds: Double

    public init(sessionId: Int64, total: Int, completed: Int, failed: Int, cancelled: Int, durationSeconds: Double) {
        self.sessionId = sessionId
        self.total = total
        self.completed = completed
        self.failed = failed
        self.cancelled = cancelled
        self.durationSeconds = durationSeconds
    }
}

/// A verify run finished.
public struct ThumbnailsVerified: Codable, Sendable, Equatable {
    @AlwaysPresent public var timelapseId: Int64?
    public var totalImages: Int
    public var validThumbnails: Int
    public var validSmalls: Int
    public var missingThumbnails: Int
    public var missingSmalls: Int
    public var countsUpdated: Bool

    public init(timelapseId: Int64?, totalImages: Int, validThumbnails: Int, validSmalls: Int, missingThumbnails: Int,
                missingSmalls: Int, countsUpdated: Bool) {
        self.timelapseId = timelapseId
        self.totalImages = totalImages
        self.validThumbnails = validThumbnails
        self.validSmalls = validSmalls
        self.missingThumbnails = missingThumbnails
        self.missingSmalls = missingSmalls
        self.countsUpdated = countsUpdated
    }
}

/// A repair run finished.
public struct ThumbnailsRepaired: Codable, Sendable, Equatable {
    public var orphanedFilesFound: Int
    public var filesMatched: Int
    public var filesDeleted: Int
    public var databaseRecordsUpdated: Int
    public var timelapsesAffected: Int

    public init(orphanedFilesFound: Int, filesMatched: Int, filesDeleted: Int, databaseRecordsUpdated: Int, timelapsesAffected: Int) {
        self.orphanedFilesFound = orphanedFilesFound
        self.filesMatched = filesMatched
        self.filesDeleted = filesDeleted
        self.databaseRecordsUpdated = databaseRecordsUpdated
        self.timelapsesAffected = timelapsesAffected
    }
}

/// A cleanup run (or its dry run) finished.
public struct ThumbnailsCleaned: Codable, Sendable, Equatable {
    public var orphanedFilesFound: Int
    public var filesDeleted: Int
    public var bytesFreed: Int64
    public var dryRun: Bool

    public init(orphanedFilesFound: Int, filesDeleted: Int, bytesFreed: Int64, dryRun: Bool) {
        self.orphanedFilesFound = orphanedFilesFound
        self.filesDeleted = filesDeleted
        self.bytesFreed = bytesFreed
        self.dryRun = dryRun
    }
}

/// Delete-all removed every variant.
public struct ThumbnailsDeleted: Codable, Sendable, Equatable {
    public var thumbnailsDeleted: Int
    public var smallsDeleted: Int
    public var bytesFreed: Int64

    public init(thumbnailsDeleted: Int, smallsDeleted: Int, bytesFreed: Int64) {
        self.thumbnailsDeleted = thumbnailsDeleted
        self.smallsDeleted = smallsDeleted
        self.bytesFreed = bytesFreed
    }
}

/// A timelapse was completed (its smalls may have been purged).
public struct TimelapseCompleted: Codable, Sendable, Equatable {
    public var timelapseId: Int64
    public var cameraId: Int64
    public var imageCount: Int

    public init(timelapseId: Int64, cameraId: Int64, imageCount: Int) {
        self.timelapseId = timelapseId
        self.cameraId = cameraId
        self.imageCount = imageCount
    }
}

/// A timelapse, its images and its folder were deleted.
public struct TimelapseDeleted: Codable, Sendable, Equatable {
    public var timelapseId: Int64
    public var cameraId: Int64

    public init(timelapseId: Int64, cameraId: Int64) {
        self.timelapseId = timelapseId
        self.cameraId = cameraId
    }
}

/// A camera and everything under it were deleted.
public struct CameraDeleted: Codable, Sendable, Equatable {
    public var cameraId: Int64

    public init(cameraId: Int64) { self.cameraId = cameraId }
}

/// The data volume fell below the free-space reserve (`status` "low"), or a write failed for lack of space
/// ("full"): captures are refused and thumbnail work waits until space returns. Sent once per fall.
public struct DiskLow: Codable, Sendable, Equatable {
    public var status: String
    public var freeBytes: Int64
    public var totalBytes: Int64
    public var reserveBytes: Int64

    public init(status: String, freeBytes: Int64, totalBytes: Int64, reserveBytes: Int64) {
        self.status = status
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
        self.reserveBytes = reserveBytes
    }
}

/// A camera went down (`camera_offline`: `outage_after_failures` grabs in a row failed) or came back
/// (`camera_online`: the first success after an outage; `ended_at` is set).
public struct CameraOutageChanged: Codable, Sendable, Equatable {
    public var cameraId: Int64
    public var outageId: Int64
    public var startedAt: Date
    @AlwaysPresent public var endedAt: Date?
    public var failedGrabs: Int
    @AlwaysPresent public var lastError: String?

    public init(cameraId: Int64, outageId: Int64, startedAt: Date, endedAt: Date?, failedGrabs: Int, lastError: String?) {
        self.cameraId = cameraId
        self.outageId = outageId
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.failedGrabs = failedGrabs
        self.lastError = lastError
    }
}
