import CameraCapture
import Catalog
import Foundation
import Hummingbird
import NIOCore
import TimelapserCore

/// `POST /api/cameras/{id}/capture-now`, `POST /api/cameras/{id}/test`, `POST /api/cameras/test` and the test
/// previews: grabs on demand.
struct CameraOperationsController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.post("cameras/:id/capture-now", .operator, use: captureNow)
        routes.post("cameras/:id/test", .operator, use: testSaved)
        routes.post("cameras/test", .operator, use: testURL)
        routes.get("cameras/previews/:token", .viewer, use: preview)
    }

    @Sendable func captureNow(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        let frame = try await services.cameraTester.captureNow(cameraId: id)
        return JSONResponse.ok(CaptureResponse(frame), status: .created)
    }

    @Sendable func testSaved(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Camera")
        return JSONResponse.ok(CameraTestResponse(try await services.cameraTester.test(cameraId: id)))
    }

    @Sendable func testURL(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestInput.decode(CameraTestRequest.self, from: &request)
        guard let url = body.url else { throw APIError(.unprocessableContent, "url is required", details: ["field": .string("url")]) }
        guard CameraService.isCameraURL(url) else {
            throw APIError(.unprocessableContent, "url must be an rtsp:// or http(s):// URL with a host", details: ["field": .string("url")])
        }
        return JSONResponse.ok(CameraTestResponse(await services.cameraTester.test(url: url)))
    }

    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let token = context.parameters.get("token"), let bytes = services.cameraTester.previews.bytes(token) else {
            throw APIError(.notFound, "Preview not found or expired")
        }
        return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "private, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// `POST /api/cameras/test`.
struct CameraTestRequest: Decodable, Sendable {
    var url: String?
}

/// A camera test's answer.
struct CameraTestResponse: Encodable {
    var ok: Bool
    @AlwaysPresent var width: Int?
    @AlwaysPresent var height: Int?
    @AlwaysPresent var bytes: Int?
    var elapsedMs: Int
    @AlwaysPresent var error: String?
    @AlwaysPresent var previewUrl: String?

    init(_ result: CameraTestResult) {
        ok = result.ok
        width = result.width
        height = result.height
        bytes = result.bytes
        elapsedMs = result.elapsedMs
        error = result.error
        previewUrl = result.previewToken.map { "/api/cameras/previews/\($0)" }
    }
}

extension OpenAPIDocument {
    /// Capture now and camera tests.
    static let cameraOperationsOperations: [APIOperation] = [
        APIOperation(method: "post", path: "/api/cameras/{id}/capture-now", summary: "Grab a frame from the camera now, through the normal ingest",
                     tag: "cameras",
                     responses: [201: "As an upload: {image_id, timelapse_id, captured_at, …}", 404: "Unknown camera",
                                 409: "No running timelapse", 422: "No URL, or the frame was refused (details.reason)",
                                 502: "The grab failed (error says why, credentials masked)"]),
        APIOperation(method: "post", path: "/api/cameras/{id}/test", summary: "Grab once from the camera's URL without storing anything",
                     tag: "cameras", responses: [200: "{ok, width, height, bytes, elapsed_ms, error, preview_url}", 404: "Unknown camera",
                                                 422: "The camera has no URL"]),
        APIOperation(method: "post", path: "/api/cameras/test", summary: "Grab once from an unsaved URL", tag: "cameras",
                     responses: [200: "{ok, width, height, bytes, elapsed_ms, error, preview_url}", 422: "Missing or bad url"],
                     body: "{url}"),
        APIOperation(method: "get", path: "/api/cameras/previews/{token}", summary: "A camera test's frame (five minutes)", tag: "cameras",
                     responses: [200: "image/jpeg", 404: "Unknown or expired"], responseType: "image/jpeg"),
    ]
}
