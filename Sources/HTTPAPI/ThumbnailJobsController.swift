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

    func addRoutes(to routes: AccessRoutes) {
        routes.get("thumbnails/jobs", .viewer, use: jobs)
        routes.get("thumbnails/performance", .viewer, use: performance)
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
        return JSONResponse.ok(jobs.map(JobResponse.init))
    }

    @Sendable func performance(_ request: Request, context: AppRequestContext) async throws -> Response {
        let hours = try RequestInput.int(request, "hours", in: 1...24 * 30) ?? 24
        let r = try await services.performance.report(windowHours: hours)
        return JSONResponse.ok(PerformanceResponse(r))
    }
}
