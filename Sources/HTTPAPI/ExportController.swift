import Catalog
import Foundation
import Hummingbird
import NIOCore
import TimelapseExport
import TimelapserCore

/// `GET /api/timelapses/{id}/export?from&to&variant=full|small`: the timelapse's frames as a ZIP, streamed.
struct ExportController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("timelapses/:id/export", .viewer, use: export)
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Timelapse")
        _ = try await services.timelapses.get(id)
        let text = request.uri.queryParameters.get("variant") ?? "full"
        guard let variant = ExportVariant(rawValue: text) else {
            throw APIError.badRequest("variant must be full or small", field: "variant")
        }
        let from = try RequestInput.date(request.uri.queryParameters.get("from").map { String($0) }, field: "from")
        let to = try RequestInput.date(request.uri.queryParameters.get("to").map { String($0) }, field: "to")
        let exporter = services.exporter
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"timelapse-\(id)\(variant == .small ? "-small" : "").zip\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Each piece is written (and waited for) as it is made: the archive is never held in memory.
            _ = try await exporter.export(timelapseId: id, from: from, to: to, variant: variant) { bytes in
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            try await writer.finish(nil)
        })
    }
}

extension OpenAPIDocument {
    static let exportOperations: [APIOperation] = [
        APIOperation(method: "get", path: "/api/timelapses/{id}/export", summary: "The timelapse's frames as a ZIP (stored, ZIP64) with index.csv",
                     tag: "timelapses",
                     responses: [200: "application/zip, streamed: the frames named as on disk, in capture order, and index.csv (file_name,captured_at,width,height)",
                                 400: "bad variant, from or to", 404: "Unknown timelapse"],
                     query: [("from", "string", "ISO 8601: frames captured at or after"), ("to", "string", "ISO 8601: frames captured at or before"),
                             ("variant", "string", "full (default) or small")],
                     responseType: "application/zip"),
    ]
}
