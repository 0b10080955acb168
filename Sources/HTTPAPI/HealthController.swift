import Events
import Hummingbird
import Maintenance
import TimelapserCore

/// `GET /api/health`.
struct HealthController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("health") { _, _ in
            let counts = try await services.queue.counts()
            let volume = await services.disk.check()
            // A data directory that is not the database's refuses destructive maintenance; the server still serves.
            let dataDirectory = await services.maintenance.dataDirectory.check()
            return JSONResponse.ok(HealthResponse(
                database: services.engine,
                queue: .init(pending: counts.pending, processing: counts.processing, failed: counts.failed),
                disk: .init(freeBytes: volume.usage.freeBytes, totalBytes: volume.usage.totalBytes,
                            reserveBytes: volume.reserve, status: volume.status),
                dataDir: Self.dataDirectory(dataDirectory)))
        }
    }

    static func dataDirectory(_ state: DataDirectoryState) -> HealthResponse.DataDirectory {
        switch state {
        case .ok: HealthResponse.DataDirectory(status: "ok", reason: nil)
        case .mismatch(let reason): HealthResponse.DataDirectory(status: "mismatch", reason: reason)
        }
    }
}
