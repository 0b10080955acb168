import Database
import Foundation
import Hummingbird
import TimelapserCore

/// `GET /api/cameras/{id}/outages`: a camera's outages as spans.
struct OutageController {
    let services: APIServices

    static let defaultOutageRange: TimeInterval = 7 * 24 * 3600
    static let defaultUptimeRange: TimeInterval = 24 * 3600

    func addRoutes(to routes: AccessRoutes) {
        routes.get("cameras/:id/outages", .viewer, use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        _ = try await services.cameras.get(id)
        let (from, to) = try Self.range(request, defaultLength: Self.defaultOutageRange)
        return JSONResponse.ok(try await services.outages.outages(cameraId: id, from: from, to: to).map(OutageResponse.init))
    }

    /// `from` and `to` (ISO 8601) of the query; `to` defaults to now and `from` to `defaultLength` before `to`.
    static func range(_ request: Request, defaultLength: TimeInterval, now: Date = Date()) throws -> (from: Date, to: Date) {
        let query = request.uri.queryParameters
        let to = try RequestInput.date(query.get("to"), field: "to") ?? now
        let from = try RequestInput.date(query.get("from"), field: "from") ?? to.addingTimeInterval(-defaultLength)
        guard from < to else { throw APIError.badRequest("from must be before to", field: "from") }
        return (from, to)
    }

    /// The camera's uptime over the request's range (default the last 24 h) and whether an outage is open.
    static func uptime(_ services: APIServices, _ camera: CameraRecord, request: Request?) async throws -> (percent: Double?, outageOpen: Bool) {
        let now = Date()
        let range: (from: Date, to: Date) = try request.map { try Self.range($0, defaultLength: defaultUptimeRange, now: now) }
            ?? (now.addingTimeInterval(-defaultUptimeRange), now)
        return try await services.outages.uptime(of: camera, from: range.from, to: range.to, now: now)
    }
}

/// One outage: from the first failed grab of the run to the success that ended it (`ended_at` null while open).
struct OutageResponse: Encodable {
    var id: Int64
    var cameraId: Int64
    var startedAt: Date
    @AlwaysPresent var endedAt: Date?
    var failedGrabs: Int
    @AlwaysPresent var lastError: String?

    init(_ o: OutageRecord) {
        id = o.id
        cameraId = o.cameraId
        startedAt = o.startedAt
        endedAt = o.endedAt
        failedGrabs = o.failedGrabs
        lastError = o.lastError.map(CredentialMask.maskURLs)
    }
}

extension OpenAPIDocument {
    /// Camera outages.
    static let outageOperations: [APIOperation] = [
        APIOperation(method: "get", path: "/api/cameras/{id}/outages", summary: "A camera's outages (spans) overlapping a range, newest first",
                     tag: "cameras",
                     responses: [200: "Array of {id, camera_id, started_at, ended_at (null while open), failed_grabs, last_error}",
                                 400: "from or to is not ISO 8601, or from is not before to", 404: "Unknown camera"],
                     query: [("from", "string", "ISO 8601, default 7 days before to"), ("to", "string", "ISO 8601, default now")]),
    ]
}
