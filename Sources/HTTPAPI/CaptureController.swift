import Catalog
import Events
import Foundation
import Hummingbird
import NIOCore
import TimelapserCore

/// `POST /api/cameras/{id}/captures`: a camera (or script) pushes a JPEG frame.
struct CaptureController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.post("cameras/:id/captures", .capture, use: capture)
    }

    @Sendable func capture(_ request: Request, context: AppRequestContext) async throws -> Response {
        let cameraId = try RequestInput.id(context, entity: "Camera")
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "image/jpeg" else {
            throw APIError(.unsupportedMediaType, "Content-Type must be image/jpeg", details: ["content_type": mediaType.map(JSONValue.string) ?? .null])
        }
        var capturedAt: Date?
        if let text = request.uri.queryParameters.get("captured_at") {
            guard let date = JSONDate.parse(String(text)) else {
                throw APIError.badRequest("captured_at must be an ISO 8601 date-time", field: "captured_at")
            }
            capturedAt = date
        }
        _ = try await services.cameras.get(cameraId)
        let limit = try await services.ingest.uploadLimit()
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw CatalogError.uploadTooLarge(limit: limit)
        }
        let bytes = try await Self.body(of: request, limit: limit)
        let frame = try await services.ingest.ingest(cameraId: cameraId, bytes: bytes, capturedAt: capturedAt)
        return JSONResponse.ok(CaptureResponse(frame), status: .created)
    }

    /// The body as bytes; the request and its buffer end here, so a frame waiting for the decode budget is held
    /// once, not twice.
    static func body(of request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw CatalogError.uploadTooLarge(limit: limit)
        }
    }
}
