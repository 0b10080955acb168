import Access
import Foundation
import Hummingbird
import TimelapserCore

/// `POST /api/share`.
struct ShareRequest: Decodable, Sendable {
    var cameraId: Int64?
    var videoId: Int64?
    /// thumbnail, small (default) or full, for a camera's latest image.
    var variant: String?
    var expiresInSeconds: Int?
}

/// A link just made.
struct ShareResponse: Encodable {
    var url: String
    var expiresAt: Date
}

/// Signed, expiring links for people without an account: one camera's latest image, or one video.
struct ShareController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.post("share", .admin, use: create)
        routes.delete("share", .admin, use: revokeAll)
        routes.get("share/:token", .anyone) { request, context in try await open(request, context, head: false) }
        routes.head("share/:token", .anyone) { request, context in try await open(request, context, head: true) }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestInput.decode(ShareRequest.self, from: &request)
        let seconds = body.expiresInSeconds ?? 7 * 86_400
        guard seconds >= 60, Double(seconds) <= ShareLinks.maximumLifetime else {
            throw APIError(.unprocessableContent, "expires_in_seconds must be from 60 to \(Int(ShareLinks.maximumLifetime))",
                           details: ["field": .string("expires_in_seconds")])
        }
        let target: ShareTarget
        switch (body.cameraId, body.videoId) {
        case (let camera?, nil):
            let variant = body.variant ?? ImageVariant.small.rawValue
            guard let parsed = ImageVariant(rawValue: variant), ImageVariant.requestable.contains(parsed) else {
                throw APIError(.unprocessableContent, "variant must be thumbnail, small or full", details: ["field": .string("variant")])
            }
            _ = try await services.cameras.get(camera)
            target = .latestImage(cameraId: camera, variant: parsed.rawValue)
        case (nil, let video?):
            _ = try await services.videos.get(video)
            target = .video(videoId: video)
        default:
            throw APIError(.unprocessableContent, "give camera_id or video_id (one of them)", details: ["field": .string("camera_id")])
        }
        let expiresAt = Date() + Double(seconds)
        let token = try await services.shares.token(for: target, expiresAt: expiresAt)
        return JSONResponse.ok(ShareResponse(url: "/api/share/\(token)", expiresAt: expiresAt), status: .created)
    }

    @Sendable func revokeAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await services.shares.revokeAll()
        return JSONResponse.ok(["revoked": true])
    }

    func open(_ request: Request, _ context: AppRequestContext, head: Bool) async throws -> Response {
        guard let token = context.parameters.get("token"), let target = try await services.shares.target(of: token) else {
            throw APIError(.notFound, "This link is unknown, revoked or expired")
        }
        var response: Response
        switch target {
        case .latestImage(let cameraId, let variant):
            response = try await ImageServingController(services: services)
                .serveLatest(request, cameraId: cameraId, variant: ImageVariant(rawValue: variant) ?? .small, head: head)
        case .video(let videoId):
            response = try await VideoController(services: services).serveFile(request, videoId: videoId, head: head)
        }
        // A link is for whoever holds it, not for shared caches.
        response.headers[.cacheControl] = "private, no-cache"
        return response
    }
}

extension OpenAPIDocument {
    static let shareOperations: [APIOperation] = [
        APIOperation(method: "post", path: "/api/share", summary: "A signed, expiring link to a camera's latest image or a video (admin)",
                     tag: "access", responses: [201: "{url, expires_at}", 404: "Unknown camera or video", 422: "Bad target or lifetime"],
                     body: "{camera_id, variant? (thumbnail|small|full; small)} or {video_id}; expires_in_seconds? (60…31536000; 7 days)"),
        APIOperation(method: "delete", path: "/api/share", summary: "Revoke every share link made so far (admin)", tag: "access",
                     responses: [200: "{revoked: true}"]),
        APIOperation(method: "get", path: "/api/share/{token}", summary: "Open a share link: the image or the video, no sign-in",
                     tag: "access", responses: [200: "image/jpeg or video/mp4", 206: "A range of the video", 304: "Not modified",
                                                404: "Unknown, revoked or expired link"], responseType: "application/octet-stream"),
        APIOperation(method: "head", path: "/api/share/{token}", summary: "Headers of a share link's answer", tag: "access",
                     responses: [200: "Headers only", 404: "Unknown, revoked or expired link"], responseType: "application/octet-stream"),
    ]
}
