import Database
import DataDirectory
import Events
import Foundation
import Hummingbird
import ImageServing
import Maintenance
import ThumbnailJobs
import TimelapserCore

/// Thumbnail maintenance: statistics, regenerate-all, verify, repair, cleanup, delete-all, and the
/// timelapse-level generate/verify/stats.
struct MaintenanceController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("thumbnails/stats", .viewer, use: stats)
        routes.post("thumbnails/regenerate-all", .operator, use: regenerateAll)
        routes.get("thumbnails/regenerate-all/status", .viewer, use: regenerationStatus)
        routes.post("thumbnails/regenerate-all/cancel", .operator, use: cancelRegeneration)
        routes.post("thumbnails/verify", .operator, use: verify)
        routes.post("thumbnails/repair", .operator, use: repair)
        routes.delete("thumbnails/cleanup", .operator, use: cleanup)
        routes.delete("thumbnails/delete-all", .operator, use: deleteAll)
        routes.post("timelapses/:id/thumbnails/generate", .operator, use: generate)
        routes.post("timelapses/:id/thumbnails/verify", .operator, use: verifyTimelapse)
        routes.get("timelapses/:id/thumbnails/stats", .viewer, use: timelapseStats)
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(StatisticsResponse(try await services.maintenance.statistics.system()))
    }

    @Sendable func regenerateAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestInput.decode(RegenerateAllRequest.self, from: &request)
        let force = body.force ?? true
        let limit = body.limit
        if let limit, limit < 1 { throw APIError.badRequest("limit must be a positive integer", field: "limit") }
        if try RequestInput.bool(request, "dry_run") == true {
            return JSONResponse.ok(try await services.maintenance.regeneration.estimate(force: force, limit: limit))
        }
        let start = try await services.maintenance.regeneration.start(force: force, limit: limit)
        return JSONResponse.ok(RegenerationStartResponse(start), status: .accepted)
    }

    @Sendable func regenerationStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(RegenerationStatusResponse(try await services.maintenance.regeneration.status()))
    }

    @Sendable func cancelRegeneration(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (progress, cancelled) = try await services.maintenance.regeneration.cancel()
        return JSONResponse.ok(RegenerationStatusResponse(progress, cancelledJobs: cancelled))
    }

    /// `deep` may come as a query parameter or in the JSON body.
    static func deep(_ request: inout Request) async throws -> Bool {
        if let deep = try RequestInput.bool(request, "deep") { return deep }
        return try await RequestInput.decode(VerifyRequest.self, from: &request).deep ?? false
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let deep = try await Self.deep(&request)
        return JSONResponse.ok(VerificationResponse(try await services.maintenance.verifier.verify(timelapseId: nil, deep: deep)))
    }

    @Sendable func verifyTimelapse(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        var request = request
        let deep = try await Self.deep(&request)
        return JSONResponse.ok(VerificationResponse(try await services.maintenance.verifier.verify(timelapseId: id, deep: deep)))
    }

    @Sendable func repair(_ request: Request, context: AppRequestContext) async throws -> Response {
        let force = try RequestInput.bool(request, "force") ?? false
        return JSONResponse.ok(RepairResponse(try await services.maintenance.repair.run(force: force)))
    }

    @Sendable func cleanup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let dryRun = try RequestInput.bool(request, "dry_run") ?? true
        let force = try RequestInput.bool(request, "force") ?? false
        return JSONResponse.ok(CleanupResponse(try await services.maintenance.cleanup.run(dryRun: dryRun, force: force)))
    }

    @Sendable func deleteAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        let confirmed = try RequestInput.bool(request, "confirm") ?? false
        return JSONResponse.ok(DeleteAllResponse(try await services.maintenance.deletion.run(confirmed: confirmed)))
    }

    @Sendable func generate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        var request = request
        let body = try await RequestInput.decode(GenerateRequest.self, from: &request)
        if try RequestInput.bool(request, "dry_run") == true {
            return JSONResponse.ok(try await services.maintenance.generation.estimate(
                timelapseId: id, force: body.forceRegenerate ?? true, includeSmalls: body.includeSmalls ?? true))
        }
        let generation = try await services.maintenance.generation.enqueue(
            timelapseId: id, force: body.forceRegenerate ?? true, includeSmalls: body.includeSmalls ?? true)
        return JSONResponse.ok(GenerationResponse(generation), status: .accepted)
    }

    @Sendable func timelapseStats(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(TimelapseStatisticsResponse(try await services.maintenance.statistics.timelapse(id)))
    }
}

extension OpenAPIDocument {
    static let maintenanceOperations: [APIOperation] = [
        APIOperation(method: "get", path: "/api/thumbnails/stats", summary: "Coverage, orphans (last scan), disk usage, job counts",
                     tag: "maintenance", responses: [200: "Statistics"]),
        APIOperation(method: "post", path: "/api/thumbnails/regenerate-all", summary: "Start a regenerate-all session", tag: "maintenance",
                     responses: [202: "{session_id, jobs_queued, skipped_with_active_job}", 409: "A session is already running",
                                 200: "With dry_run=true: {jobs_to_queue, estimated_seconds, estimated_bytes, basis}, nothing queued"],
                     query: [("dry_run", "boolean", "only estimate: how many jobs, how long, how many bytes")],
                     body: "{force? (true: every image; false: only images missing a variant), limit?}"),
        APIOperation(method: "get", path: "/api/thumbnails/regenerate-all/status", summary: "Progress of the current or last session",
                     tag: "maintenance",
                     responses: [200: "{active, session_id, total, completed, failed, cancelled, pending, progress_percent, started_at, estimated_completion}"]),
        APIOperation(method: "post", path: "/api/thumbnails/regenerate-all/cancel",
                     summary: "Cancel the session's pending jobs; running ones finish", tag: "maintenance",
                     responses: [200: "Status with cancelled_jobs", 409: "No session is running"]),
        APIOperation(method: "post", path: "/api/thumbnails/verify", summary: "Check every variant file; clear missing ones; rewrite counts",
                     tag: "maintenance",
                     responses: [200: "Verification report with timelapses_checked",
                                 409: "The data directory is not the database's (details.reason): nothing cleared"],
                     query: [("deep", "boolean", "also decode every file")]),
        APIOperation(method: "post", path: "/api/thumbnails/repair",
                     summary: "Link orphaned variant files back to their images; delete those matching none", tag: "maintenance",
                     responses: [200: "{orphaned_files_found, files_matched, files_deleted, database_records_updated, timelapses_affected}",
                                 409: "The data directory is not the database's, or more than cleanup_max_delete_percent of the variant files would be deleted without force (details.reason): nothing changed"],
                     query: [("force", "boolean", "default false: go ahead past cleanup_max_delete_percent")]),
        APIOperation(method: "delete", path: "/api/thumbnails/cleanup", summary: "Delete orphaned variant files that match no image",
                     tag: "maintenance",
                     responses: [200: "{orphaned_files_found, files_deleted, bytes_freed, dry_run, files}",
                                 409: "The data directory is not the database's, or a real run would delete more than cleanup_max_delete_percent of the variant files without force (details.reason): nothing deleted"],
                     query: [("dry_run", "boolean", "default true: only list"),
                             ("force", "boolean", "default false: go ahead past cleanup_max_delete_percent")]),
        APIOperation(method: "delete", path: "/api/thumbnails/delete-all", summary: "Delete every variant file and clear paths and counts",
                     tag: "maintenance",
                     responses: [200: "{thumbnails_deleted, smalls_deleted, bytes_freed}", 400: "confirm=true missing",
                                 409: "The data directory is not the database's (details.reason): nothing deleted"],
                     query: [("confirm", "boolean", "must be true")]),
        APIOperation(method: "post", path: "/api/timelapses/{id}/thumbnails/generate", summary: "Queue bulk jobs for a timelapse",
                     tag: "maintenance", responses: [202: "{jobs_queued, estimated_completion}", 404: "Unknown timelapse",
                                                    200: "With dry_run=true: {jobs_to_queue, estimated_seconds, estimated_bytes, basis}"],
                     query: [("dry_run", "boolean", "only estimate: how many jobs, how long, how many bytes")],
                     body: "{force_regenerate? (true), include_smalls? (true)}"),
        APIOperation(method: "post", path: "/api/timelapses/{id}/thumbnails/verify", summary: "Verify one timelapse's variant files",
                     tag: "maintenance",
                     responses: [200: "Verification report", 404: "Unknown timelapse",
                                 409: "The data directory is not the database's (details.reason): nothing cleared"],
                     query: [("deep", "boolean", "also decode every file")]),
        APIOperation(method: "get", path: "/api/timelapses/{id}/thumbnails/stats", summary: "One timelapse's counts, disk usage and jobs",
                     tag: "maintenance", responses: [200: "Timelapse statistics", 404: "Unknown timelapse"]),
        APIOperation(method: "get", path: "/metrics", summary: "Prometheus metrics (text exposition format)", tag: "operations",
                     responses: [200: "text/plain; version=0.0.4"], responseType: "text/plain"),
    ]
}
