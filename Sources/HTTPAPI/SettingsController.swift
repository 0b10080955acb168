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

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("settings") { _, _ in
            JSONResponse.ok(try await services.settings.current())
        }
        group.patch("settings") { request, _ in
            var request = request
            let patch = try await RequestInput.decode([String: JSONValue].self, from: &request)
            return JSONResponse.ok(try await services.settings.update(with: patch))
        }
    }
}
