import Events
import Hummingbird
import TimelapserCore

/// `GET /api/health`.
struct HealthController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("health") { _, _ in
            let counts = try await services.queue.counts()
            let volume = await services.disk.check()
            return JSONResponse.ok(HealthResponse(
                database: services.engine,
                queue: .init(pending: counts.pending, processing: counts.processing, failed: counts.failed),
                disk: .init(freeBytes: volume.usage.freeBytes, totalBytes: volume.usage.totalBytes,
                            reserveBytes: volume.reserve, status: volume.status)))
        }
    }
}
