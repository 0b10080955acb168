import Database
import Events
import Foundation
import Hummingbird
import ImageServing
import Maintenance
import ThumbnailJobs
import TimelapserCore

/// `GET|PATCH /api/settings`.
struct SettingsController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("settings", .viewer) { _, _ in
            JSONResponse.ok(try await services.settings.current())
        }
        routes.patch("settings", .admin) { request, _ in
            var request = request
            let patch = try await RequestInput.decode([String: JSONValue].self, from: &request)
            let settings = try await services.settings.update(with: patch)
            // A smaller serving cache gives its memory back now, not at the next file it keeps.
            services.servedBytes.resize(to: settings.servingCacheBytes)
            return JSONResponse.ok(settings)
        }
    }
}
