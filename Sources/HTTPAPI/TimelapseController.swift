import Catalog
import Events
import Hummingbird
import TimelapserCore

/// `/api/timelapses/{id}…`.
struct TimelapseController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("timelapses", .viewer, use: list)
        routes.get("timelapses/:id", .viewer, use: get)
        routes.get("timelapses/:id/images", .viewer, use: images)
        routes.get("timelapses/:id/timeline", .viewer, use: timeline)
        routes.post("timelapses/:id/complete", .operator, use: complete)
        routes.delete("timelapses/:id", .operator, use: delete)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let cameraId = try RequestInput.int(request, "camera_id", in: 1...Int.max).map { Int64($0) }
        return JSONResponse.ok(try await services.timelapses.list(cameraId: cameraId).map(TimelapseResponse.init))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(TimelapseResponse(try await services.timelapses.get(id)))
    }

    @Sendable func images(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        let limit = try RequestInput.int(request, "limit", in: 1...1000) ?? 100
        let offset = try RequestInput.int(request, "offset", in: 0...Int.max) ?? 0
        return JSONResponse.ok(try await services.timelapses.images(id, limit: limit, offset: offset).map(ImageResponse.init))
    }

    @Sendable func timeline(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(TimelineResponse(try await services.timelapses.timeline(id)))
    }

    @Sendable func complete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(TimelapseResponse(try await services.timelapses.complete(id)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(DeletionResponse(try await services.timelapses.delete(id)))
    }
}

/// `GET /api/timelapses/{id}/timeline`: every frame's id and capture time as two parallel arrays (compact for 100k
/// frames), the camera's interval and the outages over the span.
struct TimelineResponse: Encodable {
    var timelapseId: Int64
    var count: Int
    @AlwaysPresent var captureIntervalSeconds: Int?
    var imageIds: [Int64]
    /// Unix seconds, in capture order.
    var capturedAt: [Int64]
    var outages: [OutageResponse]

    init(_ t: TimelapseTimeline) {
        timelapseId = t.timelapse.id
        count = t.moments.count
        captureIntervalSeconds = t.captureIntervalSeconds
        imageIds = t.moments.map(\.id)
        capturedAt = t.moments.map { Int64($0.capturedAt.timeIntervalSince1970.rounded(.down)) }
        outages = t.outages.map(OutageResponse.init)
    }
}
