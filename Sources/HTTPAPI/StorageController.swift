import Hummingbird
import StoragePlanning
import TimelapserCore

/// `POST /api/retention/preview`: an optional policy to try (weighed as if enabled) and camera to limit it to.
struct RetentionPreviewRequest: Decodable, Sendable {
    var cameraId: Int64?
    /// Validated by ``RetentionPolicy/validated(_:)``.
    var retention: JSONValue?
}

/// `{cameras: [...]}` of a retention preview.
struct RetentionPreviewResponse: Encodable {
    var cameras: [RetentionCameraFigures]
    var framesToDelete: Int
    var bytesToFree: Int64
}

/// Storage usage and forecast, and retention's preview and run.
struct StorageController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("storage", .viewer, use: storage)
        routes.post("retention/preview", .operator, use: preview)
        routes.post("retention/apply", .operator, use: apply)
    }

    @Sendable func storage(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(try await services.storage.report())
    }

    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestInput.decode(RetentionPreviewRequest.self, from: &request)
        let policy = try body.retention.map(RetentionPolicy.validated)
        let cameras = try await services.retention.preview(policy: policy, cameraId: body.cameraId)
        return JSONResponse.ok(RetentionPreviewResponse(cameras: cameras, framesToDelete: cameras.reduce(0) { $0 + $1.framesToDelete },
                                                        bytesToFree: cameras.reduce(0) { $0 + $1.bytesToFree + $1.videoBytesToFree }))
    }

    @Sendable func apply(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(try await services.retention.apply())
    }
}

extension OpenAPIDocument {
    static let storageOperations: [APIOperation] = [
        APIOperation(method: "get", path: "/api/storage", summary: "Storage by camera and timelapse, growth per day, days until the volume is full",
                     tag: "storage",
                     responses: [200: "{volume: {free_bytes, total_bytes}, totals, cameras: [{camera_id, name, frames, thumbnails, smalls, videos, total, captured_bytes_per_day, retention, retention_is_own, timelapses: [{timelapse_id, name, frames, thumbnails, smalls, videos, total}]}], growth_bytes_per_day, days_until_full, growth_window_days, measured_at}; each figure {bytes, files}"]),
        APIOperation(method: "post", path: "/api/retention/preview", summary: "What retention would delete now, per camera (nothing is deleted)",
                     tag: "storage",
                     responses: [200: "{cameras: [{camera_id, frames_to_delete, bytes_to_free, oldest, newest, videos_to_delete, video_bytes_to_free}], frames_to_delete, bytes_to_free}",
                                 404: "Unknown camera", 422: "Invalid retention policy"],
                     body: "{camera_id?, retention? (a policy to try, weighed as if enabled; default: each camera's own, else the default)}"),
        APIOperation(method: "post", path: "/api/retention/apply", summary: "Apply every enabled retention policy now", tag: "storage",
                     responses: [200: "{cameras: [...], frames_deleted, bytes_freed, videos_deleted}",
                                 409: "The data directory is not this database's, or a run is going on"]),
    ]
}
