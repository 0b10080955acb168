import Database
import Foundation
import ThumbnailJobs
import TimelapserCore

/// A thumbnail job (`GET /api/thumbnails/jobs`).
struct JobResponse: Encodable {
    var id: Int64
    var imageId: Int64
    var priority: JobPriority
    var status: JobStatus
    var jobType: JobType
    var retryCount: Int
    @AlwaysPresent var errorMessage: String?
    @AlwaysPresent var processingTimeMs: Int?
    var createdAt: Date
    @AlwaysPresent var startedAt: Date?
    @AlwaysPresent var completedAt: Date?
    var runAt: Date
    @AlwaysPresent var sessionId: Int64?
    var attempts: Int

    init(_ job: ThumbnailJobRecord) {
        id = job.id
        imageId = job.imageId
        priority = job.priority
        status = job.status
        jobType = job.jobType
        retryCount = job.retryCount
        errorMessage = job.errorMessage
        processingTimeMs = job.processingTimeMs
        createdAt = job.createdAt
        startedAt = job.startedAt
        completedAt = job.completedAt
        runAt = job.runAt
        sessionId = job.sessionId
        attempts = job.attempts
    }
}

/// Generation-time statistics (`GET /api/thumbnails/performance`).
struct PerformanceResponse: Encodable {
    struct Percentiles: Encodable {
        @AlwaysPresent var p50: Int?
        @AlwaysPresent var p95: Int?
        @AlwaysPresent var max: Int?
    }

    var windowHours: Int
    var completedJobs: Int
    var failedJobs: Int
    @AlwaysPresent var successRate: Double?
    var generationTimeMs: Percentiles
    var pendingJobs: Int
    var slowGeneration: [String]
    var recommendations: [String]

    init(_ r: ThumbnailPerformanceService.Report) {
        windowHours = r.windowHours
        completedJobs = r.completed
        failedJobs = r.failed
        successRate = r.successRate
        generationTimeMs = Percentiles(p50: r.p50Ms, p95: r.p95Ms, max: r.maxMs)
        pendingJobs = r.pending
        slowGeneration = r.findings
        recommendations = r.recommendations
    }
}
