import Events
import Hummingbird
import TimelapserCore

/// `GET /api/health`.
struct HealthController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("health") { _, _ in
            let counts = try await services.queue.counts()
            return JSONResponse.ok(.object([
                "status": .string("ok"),
                "database": .string(services.engine.rawValue),
                "queue": .object([
                    "pending": .int(counts.pending), "processing": .int(counts.processing), "failed": .int(counts.failed),
                ]),
            ]))
        }
    }
}
