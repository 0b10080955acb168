import Catalog
import Database
import DataDirectory
import Events
import Hummingbird
import TimelapserCore

/// `/api/cameras` and a camera's timelapses.
struct CameraController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("cameras", .viewer, use: list)
        routes.post("cameras", .operator, use: create)
        routes.get("cameras/:id", .viewer, use: get)
        routes.patch("cameras/:id", .operator, use: update)
        routes.delete("cameras/:id", .operator, use: delete)
        routes.post("cameras/:id/timelapses", .operator, use: startTimelapse)
        routes.get("cameras/:id/timelapses", .viewer, use: listTimelapses)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        var cameras: [CameraResponse] = []
        for camera in try await services.cameras.list() { cameras.append(try await json(camera, request: request)) }
        return JSONResponse.ok(cameras)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let draft = try Self.draft(try await RequestInput.decode(CameraRequest.self, from: &request))
        let camera = try await services.cameras.create(draft)
        var response = CameraResponse(camera)
        try await response.addSchedule(camera, settings: services.settings)
        return JSONResponse.ok(response, status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        return JSONResponse.ok(try await json(try await services.cameras.get(id), request: request))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        var request = request
        let draft = try Self.draft(try await RequestInput.decode(CameraRequest.self, from: &request))
        return JSONResponse.ok(try await json(try await services.cameras.update(id, draft)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        return JSONResponse.ok(DeletionResponse(try await services.cameras.delete(id)))
    }

    @Sendable func startTimelapse(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        var request = request
        let body = try await RequestInput.decode(TimelapseStartRequest.self, from: &request)
        let startedAt = try RequestInput.date(body.startedAt, field: "started_at")
        let timelapse = try await services.timelapses.start(cameraId: id, name: body.name, startedAt: startedAt)
        return JSONResponse.ok(TimelapseResponse(timelapse), status: .created)
    }

    @Sendable func listTimelapses(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        _ = try await services.cameras.get(id)
        return JSONResponse.ok(try await services.timelapses.list(cameraId: id).map(TimelapseResponse.init))
    }

    /// The camera with its in-memory capture health and its uptime over the request's `from`/`to` (default the last 24 h).
    func json(_ camera: CameraRecord, request: Request? = nil) async throws -> CameraResponse {
        var response = CameraResponse(camera, framesRejected: services.cameras.rejectedFrames(camera.id))
        (response.uptimePercent, response.outageOpen) = try await OutageController.uptime(services, camera, request: request)
        try await response.addSchedule(camera, settings: services.settings)
        return response
    }

    static func draft(_ body: CameraRequest) throws -> CameraService.Draft {
        CameraService.Draft(name: body.name, rtspUrl: body.rtspUrl.change,
                            captureIntervalSeconds: body.captureIntervalSeconds, generateThumbnails: body.generateThumbnails,
                            captureWindow: try body.captureWindow.map(CaptureWindow.validated), timezone: body.timezone.change, rotate: body.rotate,
                            crop: body.crop.change, retention: try body.retention.change.map { try $0.map(RetentionPolicy.validated) })
    }
}
