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

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("thumbnails/stats", use: stats)
        group.post("thumbnails/regenerate-all", use: regenerateAll)
        group.get("thumbnails/regenerate-all/status", use: regenerationStatus)
        group.post("thumbnails/regenerate-all/cancel", use: cancelRegeneration)
        group.post("thumbnails/verify", use: verify)
        group.post("thumbnails/repair", use: repair)
        group.delete("thumbnails/cleanup", use: cleanup)
        group.delete("thumbnails/delete-all", use: deleteAll)
        group.post("timelapses/:id/thumbnails/generate", use: generate)
        group.post("timelapses/:id/thumbnails/verify", use: verifyTimelapse)
        group.get("timelapses/:id/thumbnails/stats", use: timelapseStats)
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(MaintenanceJSON.statistics(try await services.maintenance.statistics.system()))
    }

    @Sendable func regenerateAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestInput.object(&request)
        let force = try body.bool("force") ?? true
        let limit = try body.int("limit")
        if let limit, limit < 1 { throw APIError.badRequest("limit must be a positive integer", field: "limit") }
        let start = try await services.maintenance.regeneration.start(force: force, limit: limit)
        return JSONResponse.ok(MaintenanceJSON.regenerationStart(start), status: .accepted)
    }

    @Sendable func regenerationStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(MaintenanceJSON.progress(try await services.maintenance.regeneration.status()))
    }

    @Sendable func cancelRegeneration(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (progress, cancelled) = try await services.maintenance.regeneration.cancel()
        guard case .object(var fields) = MaintenanceJSON.progress(progress) else { return JSONResponse.ok(.null) }
        fields["cancelled_jobs"] = .int(cancelled)
        return JSONResponse.ok(.object(fields))
    }

    /// `deep` may come as a query parameter or in the JSON body.
    static func deep(_ request: inout Request) async throws -> Bool {
        if let deep = try RequestInput.bool(request, "deep") { return deep }
        return try await RequestInput.object(&request).bool("deep") ?? false
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let deep = try await Self.deep(&request)
        return JSONResponse.ok(MaintenanceJSON.verification(try await services.maintenance.verifier.verify(timelapseId: nil, deep: deep)))
    }

    @Sendable func verifyTimelapse(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        var request = request
        let deep = try await Self.deep(&request)
        return JSONResponse.ok(MaintenanceJSON.verification(try await services.maintenance.verifier.verify(timelapseId: id, deep: deep)))
    }

    @Sendable func repair(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(MaintenanceJSON.repair(try await services.maintenance.repair.run()))
    }

    @Sendable func cleanup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let dryRun = try RequestInput.bool(request, "dry_run") ?? true
        return JSONResponse.ok(MaintenanceJSON.cleanup(try await services.maintenance.cleanup.run(dryRun: dryRun)))
    }

    @Sendable func deleteAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        let confirmed = try RequestInput.bool(request, "confirm") ?? false
        return JSONResponse.ok(MaintenanceJSON.deleteAll(try await services.maintenance.deletion.run(confirmed: confirmed)))
    }

    @Sendable func generate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        var request = request
        let body = try await RequestInput.object(&request)
        let generation = try await services.maintenance.generation.enqueue(
            timelapseId: id, force: try body.bool("force_regenerate") ?? true, includeSmalls: try body.bool("include_smalls") ?? true)
        return JSONResponse.ok(MaintenanceJSON.generation(generation), status: .accepted)
    }

    @Sendable func timelapseStats(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        return JSONResponse.ok(MaintenanceJSON.statistics(try await services.maintenance.statistics.timelapse(id)))
    }
}

/// The JSON shapes of maintenance results, shared by the API and the CLI's `--json`.
public enum MaintenanceJSON {
    static func megabytes(_ bytes: Int64) -> JSONValue { .double((Double(bytes) / 1_048_576 * 10).rounded() / 10) }
    static func percent(_ part: Int, of total: Int) -> JSONValue {
        total == 0 ? .null : .double((Double(part) * 1000 / Double(total)).rounded() / 10)
    }
    static func date(_ date: Date?) -> JSONValue { JSONDate.value(date) }

    public static func statistics(_ s: ThumbnailStatistics) -> JSONValue {
        .object([
            "total_images": .int(s.totals.images), "images_with_thumbnails": .int(s.totals.thumbnails),
            "images_with_smalls": .int(s.totals.smalls), "timelapses": .int(s.totals.timelapses),
            "coverage": .object(["thumbnail_percent": percent(s.totals.thumbnails, of: s.totals.images),
                                 "small_percent": percent(s.totals.smalls, of: s.totals.images)]),
            "orphaned_thumbnail_files": JSONValue(s.orphanedThumbnails), "orphaned_small_files": JSONValue(s.orphanedSmalls),
            "orphaned_bytes": JSONValue(s.orphanedBytes.map { Int($0) }), "orphans_scanned_at": date(s.orphansScannedAt),
            "total_disk_usage": .object([
                "thumbnails_mb": megabytes(s.totals.thumbnailBytes), "smalls_mb": megabytes(s.totals.smallBytes),
                "thumbnails_bytes": .int(Int(s.totals.thumbnailBytes)), "smalls_bytes": .int(Int(s.totals.smallBytes)),
                "frames_bytes": .int(Int(s.totals.frameBytes)),
            ]),
            "generation_stats": .object([
                "pending_jobs": .int(s.jobs.pending), "processing_jobs": .int(s.jobs.processing),
                "failed_jobs_24h": .int(s.jobs.failedSince), "completed_jobs_24h": .int(s.jobs.completedSince),
                "last_generated_at": date(s.jobs.lastCompletedAt),
            ]),
        ])
    }

    public static func statistics(_ s: TimelapseThumbnailStatistics) -> JSONValue {
        .object([
            "timelapse_id": .int(Int(s.timelapseId)), "total_images": .int(s.totals.images),
            "thumbnail_count": .int(s.totals.thumbnails), "small_count": .int(s.totals.smalls),
            "coverage": .object(["thumbnail_percent": percent(s.totals.thumbnails, of: s.totals.images),
                                 "small_percent": percent(s.totals.smalls, of: s.totals.images)]),
            "disk_usage": .object([
                "thumbnails_mb": megabytes(s.totals.thumbnailBytes), "smalls_mb": megabytes(s.totals.smallBytes),
                "thumbnails_bytes": .int(Int(s.totals.thumbnailBytes)), "smalls_bytes": .int(Int(s.totals.smallBytes)),
            ]),
            "generation_status": .object([
                "pending_jobs": .int(s.jobs.pending), "processing_jobs": .int(s.jobs.processing),
                "last_generated_at": date(s.jobs.lastCompletedAt),
            ]),
        ])
    }

    public static func regenerationStart(_ s: RegenerationStart) -> JSONValue {
        .object([
            "session_id": .int(Int(s.sessionId)), "jobs_queued": .int(s.jobsQueued), "total": .int(s.jobsQueued),
            "skipped_with_active_job": .int(s.skippedWithActiveJob), "force": .bool(s.force), "limit": JSONValue(s.limit),
        ])
    }

    public static func progress(_ p: RegenerationProgress) -> JSONValue {
        .object([
            "active": .bool(p.active), "session_id": JSONValue(p.sessionId), "status": JSONValue(p.status?.rawValue),
            "total": .int(p.total), "completed": .int(p.completed), "failed": .int(p.failed), "cancelled": .int(p.cancelled),
            "pending": .int(p.pending), "processing": .int(p.processing), "progress_percent": .double(p.progressPercent),
            "cancel_requested": .bool(p.cancelRequested), "started_at": date(p.startedAt), "finished_at": date(p.finishedAt),
            "estimated_completion": date(p.estimatedCompletion),
            "rate_per_second": p.ratePerSecond.map { .double($0) } ?? .null,
        ])
    }

    public static func verification(_ r: VerificationReport) -> JSONValue {
        var fields: [String: JSONValue] = [
            "total_images": .int(r.totalImages), "valid_thumbnails": .int(r.validThumbnails), "valid_smalls": .int(r.validSmalls),
            "missing_thumbnails": .int(r.missingThumbnails), "missing_smalls": .int(r.missingSmalls),
            "invalid_thumbnails_cleared": .int(r.clearedThumbnails), "invalid_smalls_cleared": .int(r.clearedSmalls),
            "database_counts": .object(["thumbnail_count": .int(r.countsBefore.thumbnails), "small_count": .int(r.countsBefore.smalls)]),
            "updated_counts": .object(["thumbnail_count": .int(r.countsAfter.thumbnails), "small_count": .int(r.countsAfter.smalls)]),
            "counts_updated": .bool(r.countsUpdated), "deep": .bool(r.deep), "message": .string(r.message),
            "elapsed_seconds": .double((r.elapsedSeconds * 1000).rounded() / 1000),
        ]
        if let id = r.timelapseId { fields["timelapse_id"] = .int(Int(id)) } else { fields["timelapses_checked"] = .int(r.timelapsesChecked) }
        return .object(fields)
    }

    public static func repair(_ r: RepairReport) -> JSONValue {
        .object([
            "orphaned_files_found": .int(r.orphanedFilesFound), "files_matched": .int(r.filesMatched),
            "files_deleted": .int(r.filesDeleted), "bytes_freed": .int(Int(r.bytesFreed)),
            "database_records_updated": .int(r.databaseRecordsUpdated), "timelapses_affected": .int(r.timelapsesAffected),
        ])
    }

    public static func cleanup(_ r: CleanupReport) -> JSONValue {
        .object([
            "orphaned_files_found": .int(r.orphanedFilesFound), "orphaned_thumbnail_files": .int(r.orphanedThumbnails),
            "orphaned_small_files": .int(r.orphanedSmalls), "matchable_files": .int(r.matchableFiles),
            "deletable_files": .int(r.deletableFiles), "deletable_bytes": .int(Int(r.deletableBytes)),
            "files_deleted": .int(r.filesDeleted), "bytes_freed": .int(Int(r.bytesFreed)), "dry_run": .bool(r.dryRun),
            "files": .array(r.files.map { f in
                .object(["path": .string(f.path), "variant": .string(f.kind.rawValue), "size": .int(Int(f.size)),
                         "symlink": .bool(f.isSymlink), "matches_image_id": JSONValue(f.matchesImageId)])
            }),
            "files_listed": .int(r.files.count),
        ])
    }

    public static func deleteAll(_ r: DeleteAllReport) -> JSONValue {
        .object([
            "thumbnails_deleted": .int(r.thumbnailsDeleted), "smalls_deleted": .int(r.smallsDeleted),
            "bytes_freed": .int(Int(r.bytesFreed)), "database_paths_cleared": .int(r.rowsCleared),
        ])
    }

    public static func generation(_ g: TimelapseGeneration) -> JSONValue {
        .object([
            "timelapse_id": .int(Int(g.timelapseId)), "jobs_queued": .int(g.jobsQueued),
            "estimated_completion": date(g.estimatedCompletion),
        ])
    }
}

extension OpenAPIDocument {
    static let maintenanceOperations: [APIOperation] = [
        APIOperation(method: "get", path: "/api/thumbnails/stats", summary: "Coverage, orphans (last scan), disk usage, job counts",
                     tag: "maintenance", responses: [200: "Statistics"]),
        APIOperation(method: "post", path: "/api/thumbnails/regenerate-all", summary: "Start a regenerate-all session", tag: "maintenance",
                     responses: [202: "{session_id, jobs_queued, skipped_with_active_job}", 409: "A session is already running"],
                     body: "{force? (true: every image; false: only images missing a variant), limit?}"),
        APIOperation(method: "get", path: "/api/thumbnails/regenerate-all/status", summary: "Progress of the current or last session",
                     tag: "maintenance",
                     responses: [200: "{active, session_id, total, completed, failed, cancelled, pending, progress_percent, started_at, estimated_completion}"]),
        APIOperation(method: "post", path: "/api/thumbnails/regenerate-all/cancel",
                     summary: "Cancel the session's pending jobs; running ones finish", tag: "maintenance",
                     responses: [200: "Status with cancelled_jobs", 409: "No session is running"]),
        APIOperation(method: "post", path: "/api/thumbnails/verify", summary: "Check every variant file; clear missing ones; rewrite counts",
                     tag: "maintenance", responses: [200: "Verification report with timelapses_checked"],
                     query: [("deep", "boolean", "also decode every file")]),
        APIOperation(method: "post", path: "/api/thumbnails/repair",
                     summary: "Link orphaned variant files back to their images; delete those matching none", tag: "maintenance",
                     responses: [200: "{orphaned_files_found, files_matched, files_deleted, database_records_updated, timelapses_affected}"]),
        APIOperation(method: "delete", path: "/api/thumbnails/cleanup", summary: "Delete orphaned variant files that match no image",
                     tag: "maintenance", responses: [200: "{orphaned_files_found, files_deleted, bytes_freed, dry_run, files}"],
                     query: [("dry_run", "boolean", "default true: only list")]),
        APIOperation(method: "delete", path: "/api/thumbnails/delete-all", summary: "Delete every variant file and clear paths and counts",
                     tag: "maintenance", responses: [200: "{thumbnails_deleted, smalls_deleted, bytes_freed}", 400: "confirm=true missing"],
                     query: [("confirm", "boolean", "must be true")]),
        APIOperation(method: "post", path: "/api/timelapses/{id}/thumbnails/generate", summary: "Queue bulk jobs for a timelapse",
                     tag: "maintenance", responses: [202: "{jobs_queued, estimated_completion}", 404: "Unknown timelapse"],
                     body: "{force_regenerate? (true), include_smalls? (true)}"),
        APIOperation(method: "post", path: "/api/timelapses/{id}/thumbnails/verify", summary: "Verify one timelapse's variant files",
                     tag: "maintenance", responses: [200: "Verification report", 404: "Unknown timelapse"],
                     query: [("deep", "boolean", "also decode every file")]),
        APIOperation(method: "get", path: "/api/timelapses/{id}/thumbnails/stats", summary: "One timelapse's counts, disk usage and jobs",
                     tag: "maintenance", responses: [200: "Timelapse statistics", 404: "Unknown timelapse"]),
        APIOperation(method: "get", path: "/metrics", summary: "Prometheus metrics (text exposition format)", tag: "operations",
                     responses: [200: "text/plain; version=0.0.4"], responseType: "text/plain"),
    ]
}
