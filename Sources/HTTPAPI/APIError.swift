import Access
import CameraCapture
import Catalog
import Database
import DataDirectory
import Events
import Foundation
import Hummingbird
import ImageServing
import Logging
import Maintenance
import StoragePlanning
import ThumbnailJobs
import TimelapserCore
import Videos

/// An error answer: status, message and details, written as the envelope of docs/API.md.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var details: [String: JSONValue]

    public init(_ status: HTTPResponse.Status, _ message: String, details: [String: JSONValue] = [:]) {
        self.status = status
        self.message = message
        self.details = details
    }

    var response: Response {
        var response = JSONResponse.raw(ErrorEnvelope(error: message, statusCode: status.code, details: details), status: status)
        // A throttled sign-in says when to come back in the header clients read, too.
        if status == .tooManyRequests, case .int(let seconds)? = details["retry_after"] {
            response.headers[.retryAfter] = String(seconds)
        }
        return response
    }

    static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, message, details: field.map { ["field": .string($0)] } ?? [:])
    }

    /// The one place where domain errors become HTTP statuses.
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError: return error
        case let error as CatalogError: return from(catalog: error)
        case let error as MaintenanceError: return from(maintenance: error)
        case let error as VideoError: return from(video: error)
        case let error as AccessError: return from(access: error)
        case RetentionError.alreadyRunning: return APIError(.conflict, "A retention run is already going on")
        case RetentionError.cameraNotFound(let id): return APIError(.notFound, "Camera not found", details: ["camera_id": .int(Int(id))])
        case let error as GrabFailure:
            return APIError(.badGateway, "The camera grab failed: \(error)", details: ["error": .string(error.description)])
        case let error as SettingsValidationError:
            return APIError(.unprocessableContent, "Invalid setting \(error.field): \(error.message)",
                            details: ["field": .string(error.field)])
        case DatabaseError.conflict(let message): return APIError(.conflict, "Conflict", details: ["reason": .string(message)])
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return APIError(.contentTooLarge, "Request body too large")
            case .notFound: return APIError(.notFound, "Not found")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "Method not allowed")
            default: return APIError(error.status, error.body ?? error.status.reasonPhrase)
            }
        default: return nil
        }
    }

    static func from(video error: VideoError) -> APIError {
        switch error {
        case .timelapseNotFound(let id): APIError(.notFound, "Timelapse not found", details: ["timelapse_id": .int(Int(id))])
        case .videoNotFound(let id): APIError(.notFound, "Video not found", details: ["video_id": .int(Int(id))])
        case .noFrames: APIError(.unprocessableContent, "No frames match these settings", details: ["field": .string("frames")])
        case .notCompleted(let status): APIError(.notFound, "The video has no file: it is \(status.rawValue)",
                                                 details: ["status": .string(status.rawValue)])
        case .alreadyFinal(let status): APIError(.conflict, "The video is already \(status.rawValue)",
                                                 details: ["status": .string(status.rawValue)])
        }
    }

    static func from(access error: AccessError) -> APIError {
        switch error {
        case .invalidCredentials: APIError(.unauthorized, "Wrong user name, password or code")
        case .throttled(let seconds):
            APIError(.tooManyRequests, "Too many failed sign-ins: try again in \(seconds) s", details: ["retry_after": .int(seconds)])
        case .invalidField(let field, let message): APIError(.unprocessableContent, "\(field) \(message)", details: ["field": .string(field)])
        case .userExists(let name): APIError(.conflict, "A user named \(name) exists", details: ["field": .string("username")])
        case .userNotFound(let id): APIError(.notFound, "User not found", details: ["user_id": .int(Int(id))])
        case .tokenNotFound(let id): APIError(.notFound, "Token not found", details: ["token_id": .int(Int(id))])
        case .lastAdmin: APIError(.conflict, "The last admin cannot be deleted")
        }
    }

    static func from(maintenance error: MaintenanceError) -> APIError {
        switch error {
        case .regenerationActive(let session):
            APIError(.conflict, "A thumbnail regeneration is already running", details: ["session_id": .int(Int(session))])
        case .noActiveRegeneration: APIError(.conflict, "No thumbnail regeneration is running")
        case .timelapseNotFound(let id): APIError(.notFound, "Timelapse not found", details: ["timelapse_id": .int(Int(id))])
        case .confirmationRequired(let message): APIError(.badRequest, message, details: ["field": .string("confirm")])
        case .dataDirectoryMismatch(let reason):
            APIError(.conflict, "Refused: the data directory is not this database's (\(reason))",
                     details: ["reason": .string(reason), "code": .string("data_dir_mismatch")])
        case .tooManyDeletions(let reason):
            APIError(.conflict, "Refused: \(reason); call again with force=true to go ahead",
                     details: ["reason": .string(reason), "code": .string("too_many_deletions")])
        }
    }

    static func from(catalog error: CatalogError) -> APIError {
        switch error {
        case .cameraNotFound(let id): APIError(.notFound, "Camera not found", details: ["camera_id": .int(Int(id))])
        case .timelapseNotFound(let id): APIError(.notFound, "Timelapse not found", details: ["timelapse_id": .int(Int(id))])
        case .imageNotFound(let id): APIError(.notFound, "Image not found", details: ["image_id": .int(Int(id))])
        case .timelapseAlreadyRunning(let camera, let timelapse):
            APIError(.conflict, "Camera already has a running timelapse",
                     details: ["camera_id": .int(Int(camera)), "timelapse_id": timelapse.map { .int(Int($0)) } ?? .null])
        case .noRunningTimelapse(let camera):
            APIError(.conflict, "Camera has no running timelapse", details: ["camera_id": .int(Int(camera))])
        case .timelapseNotRunning(let id):
            APIError(.conflict, "Timelapse is not running", details: ["timelapse_id": .int(Int(id))])
        case .insufficientStorage(let free):
            APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"),
                     "Insufficient storage: the data volume is below its free-space reserve (min_free_disk_bytes)",
                     details: ["free_bytes": .int(Int(free))])
        case .duplicateFrame(let name):
            APIError(.conflict, "A frame captured at this instant already exists in the timelapse", details: ["file_name": .string(name)])
        case .invalidField(let field, let message):
            APIError(.unprocessableContent, "Invalid \(field): \(message)", details: ["field": .string(field)])
        case .frameRejected(let reason, let message, let score):
            APIError(.unprocessableContent, "Frame rejected: \(message)",
                     details: ["reason": .string(reason), "score": score.map { .double($0) } ?? .null])
        case .uploadTooLarge(let limit):
            APIError(.contentTooLarge, "Upload exceeds max_upload_bytes", details: ["limit": .int(limit)])
        }
    }
}

/// Turns every thrown error into the JSON envelope; unknown errors become a 500 without internals.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            if let mapped = APIError.from(error) { return mapped.response }
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIError(.internalServerError, "Internal server error").response
        }
    }
}
