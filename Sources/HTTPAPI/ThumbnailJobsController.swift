import Database
import DataDirectory
import Events
import Hummingbird
import ImageServing
import Maintenance
import ThumbnailJobs
import TimelapserCore

/// `GET /api/thumbnails/jobs` and `GET /api/thumbnails/performance`.
struct ThumbnailJobsController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("thumbnails/jobs", use: jobs)
        group.get("thumbnails/performance", use: performance)
    }

    @Sendable func jobs(_ request: Request, context: AppRequestContext) async throws -> Response {
        var status: JobStatus?
        if let text = request.uri.queryParameters.get("status") {
            guard let parsed = JobStatus(rawValue: String(text)) else {
                let names = JobStatus.allCases.map(\.rawValue).sorted().joined(separator: ", ")
                throw APIError.badRequest("status must be one of \(names)", field: "status")
            }
            status = parsed
        }
        let imageId = try RequestInput.int(request, "image_id", in: 1...Int.max).map { Int64($0) }
        let limit = try RequestInput.int(request, "limit", in: 1...1000) ?? 100
        let jobs = try await services.queue.recent(status: status, imageId: imageId, limit: limit)
        return JSONResponse.ok(.array(jobs.map(Self.json)))
    }

    static func json(_ job: ThumbnailJobRecord) -> JSONValue {
        .object([
            "id": .int(Int(job.id)), "image_id": .int(Int(job.imageId)), "priority": .string(job.priority.rawValue),
            "status": .string(job.status.rawValue), "job_type": .string(job.jobType.rawValue), "retry_count": .int(job.retryCount),
            "error_message": JSONValue(job.errorMessage), "processing_time_ms": JSONValue(job.processingTimeMs),
            "created_at": JSONDate.value(job.createdAt), "started_at": JSONDate.value(job.startedAt),
            "completed_at": JSONDate.value(job.completedAt), "run_at": JSONDate.value(job.runAt),
            "session_id": JSONValue(job.sessionId), "attempts": .int(job.attempts),
        ])
    }

    @Sendable func performance(_ request: Request, context: AppRequestContext) async throws -> Response {
        let hours = try RequestInput.int(request, "hours", in: 1...24 * 30) ?? 24
        let r = try await services.performance.report(windowHours: hours)
        return JSONResponse.ok(.object([
            "window_hours": .int(r.windowHours), "completed_jobs": .int(r.completed), "failed_jobs": .int(r.failed),
            "success_rate": r.successRate.map { .double($0) } ?? .null,
            "generation_time_ms": .object(["p50": JSONValue(r.p50Ms), "p95": JSONValue(r.p95Ms), "max": JSONValue(r.maxMs)]),
            "pending_jobs": .int(r.pending),
            "slow_generation": .array(r.findings.map { .string($0) }),
            "recommendations": .array(r.recommendations.map { .string($0) }),
        ]))
    }
}
