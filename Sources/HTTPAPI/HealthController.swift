import Events
import Hummingbird
import TimelapserCore

/// `GET /api/health`.
struct HealthController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("health") { _, _ in
            let counts = try await services.queue.counts()
            return JSONResponse.ok(HealthResponse(
                database: services.engine,
                queue: .init(pending: counts.pending, processing: counts.processing, failed: counts.failed)))
        }
    }
}
