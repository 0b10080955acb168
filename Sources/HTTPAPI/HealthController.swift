import Events
import Hummingbird
import Maintenance
import TimelapserCore

/// `GET /api/health`.
struct HealthController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("health", .anyone) { _, _ in
            let counts = try await services.queue.counts()
            let volume = await services.disk.check()
            // A data directory that is not the database's refuses destructive maintenance; the server still serves.
            let dataDirectory = await services.maintenance.dataDirectory.check()
            let cache = services.servedBytes.usage
            return JSONResponse.ok(HealthResponse(
                version: services.version, build: services.build,
                database: services.engine,
                queue: .init(pending: counts.pending, processing: counts.processing, failed: counts.failed),
                disk: .init(freeBytes: volume.usage.freeBytes, totalBytes: volume.usage.totalBytes,
                            reserveBytes: volume.reserve, status: volume.status),
                dataDir: Self.dataDirectory(dataDirectory),
                auth: .init(mode: services.authMode,
                            setupRequired: services.authMode == .users ? try await services.access.needsSetup() : false,
                            warning: services.authWarning),
                serving: .init(fastResponses: services.fastAnswers.value, cacheBytes: cache.bytes, cacheFiles: cache.files,
                               cacheBudgetBytes: try await services.settings.current().servingCacheBytes)))
        }
    }

    static func dataDirectory(_ state: DataDirectoryState) -> HealthResponse.DataDirectory {
        switch state {
        case .ok: HealthResponse.DataDirectory(status: "ok", reason: nil)
        case .mismatch(let reason): HealthResponse.DataDirectory(status: "mismatch", reason: reason)
        }
    }
}
