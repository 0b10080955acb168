import Events
import TimelapserCore

/// One documented operation of the HTTP API.
struct APIOperation {
    var method: String
    /// Path in OpenAPI form (`/api/images/{id}`).
    var path: String
    var summary: String
    var tag: String
    /// Status codes this operation answers with, and what each means.
    var responses: [Int: String]
    var query: [(name: String, type: String, description: String)] = []
    var body: String? = nil
    var responseType: String = "application/json"
}

/// The OpenAPI 3.1 document served at `GET /api/openapi.json`: every route the router registers has an entry
/// here (a test walks the router to check it).
enum OpenAPIDocument {
    static let errors: [Int: String] = [400: "Malformed request", 401: "Missing or wrong API token", 500: "Internal error"]

    /// Every documented operation; each capability keeps its own list in its own file.
    static var operations: [APIOperation] {
        coreOperations + servingOperations + maintenanceOperations + videoOperations + cameraOperationsOperations
            + outageOperations + webhookOperations + storageOperations + accessOperations + shareOperations + exportOperations
    }

    static let coreOperations: [APIOperation] = [
        APIOperation(method: "get", path: "/api/health", summary: "Server, database, queue and data-volume health", tag: "operations",
                     responses: [200: "status, version, build, database engine, queue counts, disk, data_dir {status: ok|mismatch, reason} (a mismatch refuses destructive maintenance), auth, serving {fast_responses, cache_bytes, cache_files, cache_budget_bytes}"]),
        APIOperation(method: "get", path: "/", summary: "The dashboard page", tag: "dashboard", responses: [200: "HTML"],
                     responseType: "text/html"),
        APIOperation(method: "get", path: "/dashboard/{file}", summary: "Dashboard scripts and styles", tag: "dashboard",
                     responses: [200: "The file", 404: "No such asset"], responseType: "text/plain"),
        APIOperation(method: "get", path: "/api/openapi.json", summary: "This document", tag: "operations", responses: [200: "OpenAPI document"]),
        APIOperation(method: "get", path: "/api/cameras", summary: "List cameras", tag: "cameras", responses: [200: "Array of cameras"],
                     query: [("from", "string", "ISO 8601: start of the uptime range (default 24 h ago)"), ("to", "string", "ISO 8601: its end (default now)")]),
        APIOperation(method: "post", path: "/api/cameras", summary: "Create a camera", tag: "cameras",
                     responses: [201: "The camera", 422: "Invalid field (details.field)"],
                     body: "{name, rtsp_url? (rtsp://, http(s):// snapshot), capture_interval_seconds? (300), generate_thumbnails? (true), capture_window? ({mode: always} | {mode: time, start, end, days?} | {mode: daylight, latitude, longitude, sunrise_offset_minutes?, sunset_offset_minutes?}), timezone? (IANA; null: the setting), rotate? (0|90|180|270), crop? ({x, y, w, h}), retention? (the camera's own retention policy; null: the default)}"),
        APIOperation(method: "get", path: "/api/cameras/{id}", summary: "One camera", tag: "cameras",
                     responses: [200: "The camera with its capture health (consecutive_failures, last_error, last_success_at, last_capture_at, frames_rejected, uptime_percent, outage_open) and schedule (next_capture_at, window_open)",
                                 404: "Unknown camera"],
                     query: [("from", "string", "ISO 8601: start of the uptime range (default 24 h ago)"), ("to", "string", "ISO 8601: its end (default now)")]),
        APIOperation(method: "patch", path: "/api/cameras/{id}", summary: "Change a camera", tag: "cameras",
                     responses: [200: "The camera", 404: "Unknown camera", 422: "Invalid field"],
                     body: "any of {name, rtsp_url, capture_interval_seconds, generate_thumbnails, capture_window, timezone, rotate, crop, retention ({enabled, keep_all_days?, thin_to_per_hour?, thin_days?, per_day?: {count, near?}, max_bytes?, video_retention_days?} | null: follow the default)}"),
        APIOperation(method: "delete", path: "/api/cameras/{id}", summary: "Delete a camera with its timelapses, images and files",
                     tag: "cameras", responses: [200: "Summary of what was removed", 404: "Unknown camera"]),
        APIOperation(method: "post", path: "/api/cameras/{id}/timelapses", summary: "Start a timelapse", tag: "timelapses",
                     responses: [201: "The running timelapse", 404: "Unknown camera", 409: "Camera already has a running timelapse"],
                     body: "{name?, started_at? (ISO 8601, default now)}"),
        APIOperation(method: "get", path: "/api/cameras/{id}/timelapses", summary: "A camera's timelapses", tag: "timelapses",
                     responses: [200: "Array of timelapses", 404: "Unknown camera"]),
        APIOperation(method: "get", path: "/api/timelapses", summary: "List timelapses", tag: "timelapses",
                     responses: [200: "Array of timelapses"], query: [("camera_id", "integer", "only this camera's")]),
        APIOperation(method: "get", path: "/api/timelapses/{id}", summary: "One timelapse", tag: "timelapses",
                     responses: [200: "The timelapse", 404: "Unknown timelapse"]),
        APIOperation(method: "get", path: "/api/timelapses/{id}/images", summary: "A page of a timelapse's frames", tag: "timelapses",
                     responses: [200: "Array of images", 404: "Unknown timelapse"],
                     query: [("limit", "integer", "1-1000, default 100"), ("offset", "integer", "default 0")]),
        APIOperation(method: "get", path: "/api/timelapses/{id}/timeline", summary: "Every frame's id and capture time, for scrubbers and grids", tag: "timelapses",
                     responses: [200: "{timelapse_id, count, capture_interval_seconds, image_ids: [..], captured_at: [unix seconds, capture order], outages: [outage]}", 404: "Unknown timelapse"]),
        APIOperation(method: "post", path: "/api/timelapses/{id}/complete", summary: "Complete a running timelapse", tag: "timelapses",
                     responses: [200: "The completed timelapse", 404: "Unknown timelapse", 409: "Not running"]),
        APIOperation(method: "delete", path: "/api/timelapses/{id}", summary: "Delete a timelapse with its images and files", tag: "timelapses",
                     responses: [200: "Summary of what was removed", 404: "Unknown timelapse"]),
        APIOperation(method: "get", path: "/api/images/{id}", summary: "Image metadata with versioned variant URLs", tag: "images",
                     responses: [200: "The image", 404: "Unknown image"]),
        APIOperation(method: "delete", path: "/api/images/{id}", summary: "Delete a frame and its variants", tag: "images",
                     responses: [200: "Summary of what was removed", 404: "Unknown image"]),
        APIOperation(method: "post", path: "/api/images/{id}/thumbnails/regenerate", summary: "Queue a high-priority regeneration",
                     tag: "images", responses: [202: "{image_id, job_id, priority}", 404: "Unknown image"]),
        APIOperation(method: "post", path: "/api/cameras/{id}/captures", summary: "Upload a JPEG frame to the running timelapse",
                     tag: "captures",
                     responses: [201: "{image_id, timelapse_id, camera_id, file_path, day_number, captured_at, file_size, width, height, thumbnail_job_id}",
                                 404: "Unknown camera", 409: "No running timelapse, or a frame of the same instant (to the second) exists",
                                 413: "Over max_upload_bytes", 415: "Content-Type is not image/jpeg",
                                 422: "Rejected by corruption detection (details.reason) or captured_at before the timelapse started",
                                 507: "The data volume is below min_free_disk_bytes, or the write found no room (details.free_bytes)"],
                     query: [("captured_at", "string", "ISO 8601, default now")], body: "the JPEG bytes (Content-Type: image/jpeg)"),
        APIOperation(method: "get", path: "/api/events", summary: "Live events (Server-Sent Events); Last-Event-ID replays missed ones",
                     tag: "events", responses: [200: "text/event-stream"],
                     query: [("last_event_id", "integer", "same as the Last-Event-ID header")], responseType: "text/event-stream"),
        APIOperation(method: "get", path: "/api/thumbnails/jobs", summary: "Recent thumbnail jobs", tag: "thumbnails",
                     responses: [200: "Array of jobs"],
                     query: [("status", "string", "pending|processing|completed|failed|cancelled"), ("image_id", "integer", "one image's"),
                             ("limit", "integer", "1-1000, default 100")]),
        APIOperation(method: "get", path: "/api/thumbnails/performance", summary: "Generation time p50/p95, success rate, findings",
                     tag: "thumbnails", responses: [200: "Performance report"], query: [("hours", "integer", "window, default 24")]),
        APIOperation(method: "get", path: "/api/settings", summary: "All settings, typed", tag: "settings", responses: [200: "Settings object"]),
        APIOperation(method: "patch", path: "/api/settings", summary: "Change any subset of settings (all or nothing)", tag: "settings",
                     responses: [200: "Settings object", 422: "Bad value (details.field)"], body: "subset of the settings object"),
    ]

    /// The document as JSON; with the router's access table, each operation says who may call it (`security`, and
    /// `x-required-role`).
    static func json(access: AccessTable? = nil) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for op in operations {
            var responses: [String: JSONValue] = [:]
            for (code, text) in op.responses.merging(errors, uniquingKeysWith: { a, _ in a }) {
                let content: JSONValue = code < 300 && op.responseType != "application/json"
                    ? .object([op.responseType: .object(["schema": .object(["type": .string("string"), "format": .string("binary")])])])
                    : .object(["application/json": .object(["schema": .object(["$ref": .string(code < 300 ? "#/components/schemas/Success" : "#/components/schemas/Error")])])])
                responses[String(code)] = code == 304
                    ? .object(["description": .string(text)])
                    : .object(["description": .string(text), "content": content])
            }
            var parameters: [JSONValue] = []
            for name in pathParameters(op.path) {
                let schema: JSONValue = name.hasSuffix("id")
                    ? .object(["type": .string("integer"), "minimum": .int(1)]) : .object(["type": .string("string")])
                parameters.append(.object(["name": .string(name), "in": .string("path"), "required": .bool(true), "schema": schema]))
            }
            for q in op.query {
                parameters.append(.object(["name": .string(q.name), "in": .string("query"), "required": .bool(false),
                                           "description": .string(q.description), "schema": .object(["type": .string(q.type)])]))
            }
            var operation: [String: JSONValue] = [
                "summary": .string(op.summary), "tags": .array([.string(op.tag)]),
                "operationId": .string(operationId(op)), "responses": .object(responses),
            ]
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = op.body {
                operation["requestBody"] = .object(["description": .string(body), "content": .object([
                    "application/json": .object(["schema": .object(["type": .string("object")])]),
                ])])
            }
            if let rule = access?.access(HTTPRequest.Method(op.method.uppercased())!, endpointPath: op.path) {
                operation["security"] = rule == .anyone ? .array([]) : .array([.object(["bearer": .array([])]), .object(["session": .array([])])])
                operation["x-required-role"] = .string(rule.rawValue)
            } else if op.method != "get" && op.method != "head" {
                operation["security"] = .array([.object(["bearer": .array([])])])
            }
            paths[op.path, default: [:]][op.method] = .object(operation)
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object(["title": .string("Timelapser"), "version": .string("1.0.0"),
                             "description": .string("Self-hosted timelapse server: cameras, frames, thumbnails and their maintenance.")]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "securitySchemes": .object([
                    // `--api-token` (token mode) or a user's API token (users mode).
                    "bearer": .object(["type": .string("http"), "scheme": .string("bearer")]),
                    // The cookie `POST /api/auth/login` sets (users mode).
                    "session": .object(["type": .string("apiKey"), "in": .string("cookie"), "name": .string(AccessMiddleware.sessionCookie)]),
                ]),
                "schemas": .object([
                    "Success": .object(["type": .string("object"), "required": .array([.string("success"), .string("data")]),
                                        "properties": .object(["success": .object(["const": .bool(true)]), "data": .object([:])])]),
                    "Error": .object(["type": .string("object"),
                                      "required": .array([.string("success"), .string("error"), .string("status_code")]),
                                      "properties": .object([
                                        "success": .object(["const": .bool(false)]), "error": .object(["type": .string("string")]),
                                        "status_code": .object(["type": .string("integer")]), "details": .object(["type": .string("object")]),
                                      ])]),
                ]),
            ]),
        ])
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { $0.hasPrefix("{") ? String($0.dropFirst().dropLast()) : nil }
    }

    static func operationId(_ op: APIOperation) -> String {
        op.method + op.path.split(separator: "/").dropFirst().map { part in
            let word = part.hasPrefix("{") ? "By" + part.dropFirst().dropLast().capitalized : part.replacingOccurrences(of: ".", with: "_").capitalized
            return word.replacingOccurrences(of: "-", with: "")
        }.joined()
    }
}

/// `GET /api/openapi.json`.
struct OpenAPIController {
    func addRoutes(to routes: AccessRoutes) {
        let table = routes.table
        routes.get("openapi.json", .anyone) { _, _ in JSONResponse.raw(OpenAPIDocument.json(access: table), status: .ok) }
    }
}

import Hummingbird
