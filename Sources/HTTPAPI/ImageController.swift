import Database
import Events
import Hummingbird
import ImageServing
import Maintenance
import ThumbnailJobs
import TimelapserCore

/// `/api/images/{id}` metadata, deletion and regeneration.
struct ImageController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("images/:id", .viewer, use: get)
        routes.delete("images/:id", .operator, use: delete)
        routes.post("images/:id/thumbnails/regenerate", .operator, use: regenerate)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Image")
        return JSONResponse.ok(ImageResponse(try await services.frames.get(id)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Image")
        return JSONResponse.ok(DeletionResponse(try await services.frames.delete(id)))
    }

    @Sendable func regenerate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Image")
        _ = try await services.frames.get(id)
        let jobId = try await services.queue.enqueue(imageId: id, priority: .high)
        return JSONResponse.ok(RegenerationQueued(imageId: id, jobId: jobId, priority: .high), status: .accepted)
    }
}
