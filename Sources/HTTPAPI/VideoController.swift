import DataDirectory
import Foundation
import Hummingbird
import NIOCore
import TimelapserCore
import Videos

/// `/api/timelapses/{id}/videos…` and `/api/videos/{id}…`: queue, inspect, play, cancel and delete renders, and
/// a timelapse's render automation.
struct VideoController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.post("timelapses/:id/videos", .operator, use: create)
        routes.get("timelapses/:id/videos", .viewer, use: list)
        routes.get("timelapses/:id/video-automation", .viewer, use: automation)
        routes.put("timelapses/:id/video-automation", .operator, use: setAutomation)
        routes.get("videos/:id", .viewer, use: get)
        routes.get("videos/:id/file", .viewer, use: file)
        routes.head("videos/:id/file", .viewer, use: fileHead)
        routes.get("videos/:id/poster", .viewer, use: poster)
        routes.post("videos/:id/cancel", .operator, use: cancel)
        routes.delete("videos/:id", .operator, use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        let dryRun = try RequestInput.bool(request, "dry_run") ?? false
        var request = request
        let settings = try await RequestInput.decode(RenderSettings.self, from: &request)
        if dryRun {
            return JSONResponse.ok(VideoDryRunResponse(try await services.videos.dryRun(timelapseId: id, settings: settings)))
        }
        let video = try await services.videos.create(timelapseId: id, settings: settings)
        return JSONResponse.ok(VideoQueuedResponse(videoId: video.id, status: video.status, name: video.name, version: video.version),
                               status: .accepted)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(try await services.videos.list(timelapseId: id).map(VideoResponse.init))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Video")
        return JSONResponse.ok(VideoResponse(try await services.videos.get(id)))
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Video")
        return JSONResponse.ok(VideoResponse(try await services.videos.cancel(id)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Video")
        return JSONResponse.ok(VideoResponse(try await services.videos.delete(id)))
    }

    @Sendable func automation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(try await services.videos.automation(timelapseId: id) ?? VideoAutomation())
    }

    @Sendable func setAutomation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        var request = request
        let automation = try await RequestInput.decode(VideoAutomation.self, from: &request)
        return JSONResponse.ok(try await services.videos.setAutomation(timelapseId: id, automation))
    }

    @Sendable func file(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await serveFile(request, context: context, head: false)
    }

    @Sendable func fileHead(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await serveFile(request, context: context, head: true)
    }

    @Sendable func poster(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Video")
        let video = try await services.videos.get(id)
        _ = try services.videos.poster(of: video)
        return try await respond(relative: video.posterPath, contentType: "image/jpeg", tag: "poster-\(id)", request: request, head: false)
    }

    func serveFile(_ request: Request, context: AppRequestContext, head: Bool) async throws -> Response {
        try await serveFile(request, videoId: try RequestInput.id(context, entity: "Video"), head: head)
    }

    /// A completed video's MP4 with ranges and conditionals (`?download` as an attachment).
    func serveFile(_ request: Request, videoId id: Int64, head: Bool) async throws -> Response {
        let video = try await services.videos.get(id)
        _ = try services.videos.file(of: video)
        var response = try await respond(relative: video.filePath, contentType: "video/mp4", tag: "video-\(id)", request: request, head: head)
        if request.uri.queryParameters.get("download") != nil {
            response.headers[.contentDisposition] = "attachment; filename=\"\(video.name)_v\(String(format: "%02d", video.version)).mp4\""
        }
        return response
    }

    /// A file of the data directory with a strong ETag (its identity and size), single ranges and conditionals.
    func respond(relative: String?, contentType: String, tag: String, request: Request, head: Bool) async throws -> Response {
        guard case .present(let file) = FileCheck.state(of: relative, layout: services.layout,
                                                        realRoot: FileCheck.realRoot(services.layout.root)) else {
            throw APIError(.notFound, "The file is missing")
        }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.eTag] = "\"\(tag)-\(file.inode)-\(file.size)\""
        headers[.cacheControl] = "public, max-age=86400"
        headers[.lastModified] = HTTPDate.string(file.modifiedAt)
        headers[.acceptRanges] = "bytes"
        return try await ImageResponder.respond(headers: headers, size: file.size, request: request, head: head) { range in
            try await VariantFileReader.body(file, range: range)
        }
    }
}

extension OpenAPIDocument {
    static let videoOperations: [APIOperation] = [
        APIOperation(method: "post", path: "/api/timelapses/{id}/videos", summary: "Queue a video render (or, with dry_run, plan it)",
                     tag: "videos",
                     responses: [202: "{video_id, status, name, version}", 200: "dry_run: frame_count, first/last frame, fps, duration_seconds, width, height, estimated_render_seconds, estimated_size_bytes",
                                 404: "Unknown timelapse", 422: "Invalid setting (details.field), or no frames match"],
                     query: [("dry_run", "boolean", "plan only: frame count, duration and estimates")],
                     body: "{name?, fps? | target_seconds? (min_fps?, max_fps?), from?, to?, time_of_day? {start, end}, per_day? {count, near}, every_nth?, resolution? (source|2160p|1440p|1080p|720p|width), codec? (h264|hevc|av1), quality?, preset?, deflicker?, overlay? {kind: none|timestamp|day_number|text, text?, position?, format?}}"),
        APIOperation(method: "get", path: "/api/timelapses/{id}/videos", summary: "A timelapse's videos, newest first", tag: "videos",
                     responses: [200: "Array of videos", 404: "Unknown timelapse"]),
        APIOperation(method: "get", path: "/api/timelapses/{id}/video-automation", summary: "A timelapse's render automation",
                     tag: "videos", responses: [200: "{on_completion?, daily?, milestones?}", 404: "Unknown timelapse"]),
        APIOperation(method: "put", path: "/api/timelapses/{id}/video-automation", summary: "Set a timelapse's render automation",
                     tag: "videos", responses: [200: "The automation", 404: "Unknown timelapse", 422: "Invalid field (details.field)"],
                     body: "{on_completion?: {settings?}, daily?: {at: \"HH:MM\", settings?}, milestones?: {every_frames, settings?}}"),
        APIOperation(method: "get", path: "/api/videos/{id}", summary: "One video: status, progress, frames, duration, size, codec, settings",
                     tag: "videos", responses: [200: "The video", 404: "Unknown video"]),
        APIOperation(method: "get", path: "/api/videos/{id}/file", summary: "The MP4 (strong ETag, single ranges)", tag: "videos",
                     responses: [200: "video/mp4", 206: "The requested range", 304: "Not modified", 404: "Unknown or not completed",
                                 416: "Range beyond the end"],
                     query: [("download", "boolean", "answer as an attachment")], responseType: "video/mp4"),
        APIOperation(method: "head", path: "/api/videos/{id}/file", summary: "The MP4's headers", tag: "videos",
                     responses: [200: "Headers only", 404: "Unknown or not completed"], responseType: "video/mp4"),
        APIOperation(method: "get", path: "/api/videos/{id}/poster", summary: "A thumbnail-size JPEG of the video", tag: "videos",
                     responses: [200: "image/jpeg", 404: "Unknown or not completed"], responseType: "image/jpeg"),
        APIOperation(method: "post", path: "/api/videos/{id}/cancel", summary: "Cancel a queued or running render (ffmpeg is killed)",
                     tag: "videos", responses: [200: "The video", 404: "Unknown video", 409: "Already finished"]),
        APIOperation(method: "delete", path: "/api/videos/{id}", summary: "Delete a video and its file (a running render is stopped)",
                     tag: "videos", responses: [200: "The deleted video", 404: "Unknown video"]),
    ]
}
