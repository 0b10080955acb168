import Database
import Foundation
import Maintenance
import TimelapserCore

// The JSON shapes of maintenance results, shared by the API and the CLI's `--json`.

/// Megabytes with one decimal.
private func megabytes(_ bytes: Int64) -> Double { (Double(bytes) / 1_048_576 * 10).rounded() / 10 }

/// A percentage with one decimal; nil when there is nothing to divide by.
private func percent(_ part: Int, of total: Int) -> Double? {
    total == 0 ? nil : (Double(part) * 1000 / Double(total)).rounded() / 10
}

public struct CoverageResponse: Encodable, Sendable {
    @AlwaysPresent var thumbnailPercent: Double?
    @AlwaysPresent var smallPercent: Double?

    init(_ totals: VariantTotals) {
        thumbnailPercent = percent(totals.thumbnails, of: totals.images)
        smallPercent = percent(totals.smalls, of: totals.images)
    }
}

public struct DiskUsageResponse: Encodable, Sendable {
    var thumbnailsMb: Double
    var smallsMb: Double
    var thumbnailsBytes: Int64
    var smallsBytes: Int64
    var videosBytes: Int64
    var framesBytes: Int64?
    /// WebP companions (`variant_formats`): how many of each and their bytes, on top of the JPEG figures.
    var webpThumbnails: Int
    var webpSmalls: Int
    var webpBytes: Int64

    init(_ totals: VariantTotals, withFrames: Bool) {
        webpThumbnails = totals.webpThumbnails
        webpSmalls = totals.webpSmalls
        webpBytes = totals.webpBytes
        thumbnailsMb = megabytes(totals.thumbnailBytes)
        smallsMb = megabytes(totals.smallBytes)
        thumbnailsBytes = totals.thumbnailBytes
        smallsBytes = totals.smallBytes
        videosBytes = totals.videoBytes
        framesBytes = withFrames ? totals.frameBytes : nil
    }
}

/// `GET /api/thumbnails/stats`.
public struct StatisticsResponse: Encodable, Sendable {
    struct GenerationStats: Encodable, Sendable {
        var pendingJobs: Int
        var processingJobs: Int
        var failedJobs24h: Int
        var completedJobs24h: Int
        @AlwaysPresent var lastGeneratedAt: Date?

        // Spelled out: the key strategy would write `failed_jobs24h`.
        enum CodingKeys: String, CodingKey {
            case pendingJobs, processingJobs, lastGeneratedAt
            case failedJobs24h = "failed_jobs_24h", completedJobs24h = "completed_jobs_24h"
        }
    }

    var totalImages: Int
    var imagesWithThumbnails: Int
    var imagesWithSmalls: Int
    var timelapses: Int
    var coverage: CoverageResponse
    @AlwaysPresent var orphanedThumbnailFiles: Int?
    @AlwaysPresent var orphanedSmallFiles: Int?
    @AlwaysPresent var orphanedBytes: Int64?
    @AlwaysPresent var orphansScannedAt: Date?
    var totalDiskUsage: DiskUsageResponse
    var generationStats: GenerationStats

    public init(_ s: ThumbnailStatistics) {
        totalImages = s.totals.images
        imagesWithThumbnails = s.totals.thumbnails
        imagesWithSmalls = s.totals.smalls
        timelapses = s.totals.timelapses
        coverage = CoverageResponse(s.totals)
        orphanedThumbnailFiles = s.orphanedThumbnails
        orphanedSmallFiles = s.orphanedSmalls
        orphanedBytes = s.orphanedBytes
        orphansScannedAt = s.orphansScannedAt
        totalDiskUsage = DiskUsageResponse(s.totals, withFrames: true)
        generationStats = GenerationStats(
            pendingJobs: s.jobs.pending, processingJobs: s.jobs.processing, failedJobs24h: s.jobs.failedSince,
            completedJobs24h: s.jobs.completedSince, lastGeneratedAt: s.jobs.lastCompletedAt)
    }
}

/// `GET /api/timelapses/{id}/thumbnails/stats`.
public struct TimelapseStatisticsResponse: Encodable, Sendable {
    struct GenerationStatus: Encodable, Sendable {
        var pendingJobs: Int
        var processingJobs: Int
        @AlwaysPresent var lastGeneratedAt: Date?
    }

    var timelapseId: Int64
    var totalImages: Int
    var thumbnailCount: Int
    var smallCount: Int
    var coverage: CoverageResponse
    var diskUsage: DiskUsageResponse
    var generationStatus: GenerationStatus

    public init(_ s: TimelapseThumbnailStatistics) {
        timelapseId = s.timelapseId
        totalImages = s.totals.images
        thumbnailCount = s.totals.thumbnails
        smallCount = s.totals.smalls
        coverage = CoverageResponse(s.totals)
        diskUsage = DiskUsageResponse(s.totals, withFrames: false)
        generationStatus = GenerationStatus(pendingJobs: s.jobs.pending, processingJobs: s.jobs.processing,
                                            lastGeneratedAt: s.jobs.lastCompletedAt)
    }
}

/// `POST /api/thumbnails/regenerate-all`.
public struct RegenerationStartResponse: Encodable, Sendable {
    var sessionId: Int64
    var jobsQueued: Int
    var total: Int
    var skippedWithActiveJob: Int
    var force: Bool
    @AlwaysPresent var limit: Int?

    public init(_ s: RegenerationStart) {
        sessionId = s.sessionId
        jobsQueued = s.jobsQueued
        total = s.jobsQueued
        skippedWithActiveJob = s.skippedWithActiveJob
        force = s.force
        limit = s.limit
    }
}

/// `GET /api/thumbnails/regenerate-all/status` (and the cancel answer, with `cancelledJobs`).
public struct RegenerationStatusResponse: Encodable, Sendable {
    var active: Bool
    @AlwaysPresent var sessionId: Int64?
    @AlwaysPresent var status: RegenerationStatus?
    var total: Int
    var completed: Int
    var failed: Int
    var cancelled: Int
    var pending: Int
    var processing: Int
    var progressPercent: Double
    var cancelRequested: Bool
    @AlwaysPresent var startedAt: Date?
    @AlwaysPresent var finishedAt: Date?
    @AlwaysPresent var estimatedCompletion: Date?
    @AlwaysPresent var ratePerSecond: Double?
    var cancelledJobs: Int?

    public init(_ p: RegenerationProgress, cancelledJobs: Int? = nil) {
        active = p.active
        sessionId = p.sessionId
        status = p.status
        total = p.total
        completed = p.completed
        failed = p.failed
        cancelled = p.cancelled
        pending = p.pending
        processing = p.processing
        progressPercent = p.progressPercent
        cancelRequested = p.cancelRequested
        startedAt = p.startedAt
        finishedAt = p.finishedAt
        estimatedCompletion = p.estimatedCompletion
        ratePerSecond = p.ratePerSecond
        self.cancelledJobs = cancelledJobs
    }
}

/// A verify report; `timelapse_id` for one timelapse, `timelapses_checked` for the whole system.
public struct VerificationResponse: Encodable, Sendable {
    struct Counts: Encodable, Sendable {
        var thumbnailCount: Int
        var smallCount: Int
    }

    var totalImages: Int
    var validThumbnails: Int
    var validSmalls: Int
    var missingThumbnails: Int
    var missingSmalls: Int
    var invalidThumbnailsCleared: Int
    var invalidSmallsCleared: Int
    /// WebP companions missing or invalid beside a valid JPEG, now forgotten (a regeneration writes them again).
    var invalidWebpCleared: Int
    var databaseCounts: Counts
    var updatedCounts: Counts
    var countsUpdated: Bool
    var deep: Bool
    var message: String
    var elapsedSeconds: Double
    var timelapseId: Int64?
    var timelapsesChecked: Int?

    public init(_ r: VerificationReport) {
        totalImages = r.totalImages
        validThumbnails = r.validThumbnails
        validSmalls = r.validSmalls
        missingThumbnails = r.missingThumbnails
        missingSmalls = r.missingSmalls
        invalidThumbnailsCleared = r.clearedThumbnails
        invalidSmallsCleared = r.clearedSmalls
        invalidWebpCleared = r.clearedWebP
        databaseCounts = Counts(thumbnailCount: r.countsBefore.thumbnails, smallCount: r.countsBefore.smalls)
        updatedCounts = Counts(thumbnailCount: r.countsAfter.thumbnails, smallCount: r.countsAfter.smalls)
        countsUpdated = r.countsUpdated
        deep = r.deep
        message = r.message
        elapsedSeconds = (r.elapsedSeconds * 1000).rounded() / 1000
        timelapseId = r.timelapseId
        timelapsesChecked = r.timelapseId == nil ? r.timelapsesChecked : nil
    }
}

/// `POST /api/thumbnails/repair`.
public struct RepairResponse: Encodable, Sendable {
    var orphanedFilesFound: Int
    var filesMatched: Int
    var filesDeleted: Int
    var bytesFreed: Int64
    var databaseRecordsUpdated: Int
    var timelapsesAffected: Int

    public init(_ r: RepairReport) {
        orphanedFilesFound = r.orphanedFilesFound
        filesMatched = r.filesMatched
        filesDeleted = r.filesDeleted
        bytesFreed = r.bytesFreed
        databaseRecordsUpdated = r.databaseRecordsUpdated
        timelapsesAffected = r.timelapsesAffected
    }
}

/// `DELETE /api/thumbnails/cleanup`.
public struct CleanupResponse: Encodable, Sendable {
    struct File: Encodable, Sendable {
        var path: String
        var variant: VariantKind
        var size: Int64
        var symlink: Bool
        @AlwaysPresent var matchesImageId: Int64?
    }

    var orphanedFilesFound: Int
    var orphanedThumbnailFiles: Int
    var orphanedSmallFiles: Int
    var matchableFiles: Int
    var deletableFiles: Int
    var deletableBytes: Int64
    var filesDeleted: Int
    var bytesFreed: Int64
    var dryRun: Bool
    var files: [File]
    var filesListed: Int

    public init(_ r: CleanupReport) {
        orphanedFilesFound = r.orphanedFilesFound
        orphanedThumbnailFiles = r.orphanedThumbnails
        orphanedSmallFiles = r.orphanedSmalls
        matchableFiles = r.matchableFiles
        deletableFiles = r.deletableFiles
        deletableBytes = r.deletableBytes
        filesDeleted = r.filesDeleted
        bytesFreed = r.bytesFreed
        dryRun = r.dryRun
        files = r.files.map {
            File(path: $0.path, variant: $0.kind, size: $0.size, symlink: $0.isSymlink, matchesImageId: $0.matchesImageId)
        }
        filesListed = r.files.count
    }
}

/// `DELETE /api/thumbnails/delete-all`.
public struct DeleteAllResponse: Encodable, Sendable {
    var thumbnailsDeleted: Int
    var smallsDeleted: Int
    var bytesFreed: Int64
    var databasePathsCleared: Int

    public init(_ r: DeleteAllReport) {
        thumbnailsDeleted = r.thumbnailsDeleted
        smallsDeleted = r.smallsDeleted
        bytesFreed = r.bytesFreed
        databasePathsCleared = r.rowsCleared
    }
}

/// `POST /api/timelapses/{id}/thumbnails/generate`.
public struct GenerationResponse: Encodable, Sendable {
    var timelapseId: Int64
    var jobsQueued: Int
    var estimatedCompletion: Date

    public init(_ g: TimelapseGeneration) {
        timelapseId = g.timelapseId
        jobsQueued = g.jobsQueued
        estimatedCompletion = g.estimatedCompletion
    }
}
