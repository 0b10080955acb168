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
            JSONResponse.ok(try Self.json(try await services.settings.current()))
        }
        group.patch("settings") { request, _ in
            var request = request
            let body = try await RequestInput.object(&request)
            return JSONResponse.ok(try Self.json(try await services.settings.update(with: body.fields)))
        }
    }

    static func json(_ settings: Settings) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(settings))
    }
}
