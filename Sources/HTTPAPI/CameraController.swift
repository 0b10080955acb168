import Catalog
import Database
import DataDirectory
import Events
import Hummingbird
import TimelapserCore

/// `/api/cameras` and a camera's timelapses.
struct CameraController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("cameras", use: list)
        group.post("cameras", use: create)
        group.get("cameras/:id", use: get)
        group.patch("cameras/:id", use: update)
        group.delete("cameras/:id", use: delete)
        group.post("cameras/:id/timelapses", use: startTimelapse)
        group.get("cameras/:id/timelapses", use: listTimelapses)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(.array(try await services.cameras.list().map(json)))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestInput.object(&request)
        let draft = try Self.draft(body)
        return JSONResponse.ok(EntityJSON.camera(try await services.cameras.create(draft)), status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        return JSONResponse.ok(json(try await services.cameras.get(id)))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        var request = request
        let body = try await RequestInput.object(&request)
        return JSONResponse.ok(json(try await services.cameras.update(id, try Self.draft(body))))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        return JSONResponse.ok(EntityJSON.deletion(try await services.cameras.delete(id)))
    }

    @Sendable func startTimelapse(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        var request = request
        let body = try await RequestInput.object(&request)
        let timelapse = try await services.timelapses.start(cameraId: id, name: try body.string("name"), startedAt: try body.date("started_at"))
        return JSONResponse.ok(EntityJSON.timelapse(timelapse), status: .created)
    }

    @Sendable func listTimelapses(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        _ = try await services.cameras.get(id)
        return JSONResponse.ok(.array(try await services.timelapses.list(cameraId: id).map(EntityJSON.timelapse)))
    }

    /// The camera with its in-memory capture health.
    func json(_ camera: CameraRecord) -> JSONValue {
        EntityJSON.camera(camera, framesRejected: services.cameras.rejectedFrames(camera.id))
    }

    static func draft(_ body: JSONObject) throws -> CameraService.Draft {
        CameraService.Draft(
            name: try body.string("name"),
            rtspUrl: body.has("rtsp_url") ? .some(try body.string("rtsp_url")) : nil,
            captureIntervalSeconds: try body.int("capture_interval_seconds"),
            generateThumbnails: try body.bool("generate_thumbnails"))
    }
}
