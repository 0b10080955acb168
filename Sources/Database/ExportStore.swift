import Foundation
import SQLKit

/// One frame of a timelapse export.
public struct ExportFrame: Sendable {
    public var id: Int64
    public var filePath: String
    public var smallPath: String?
    public var capturedAt: Date
    public var width: Int
    public var height: Int
}

/// The frames of a timelapse in capture order, a page at a time (an export of any size never holds them all).
public enum ExportStore {
    /// Up to `limit` frames of the timelapse captured in `from…to` (either may be nil), after `after` (the last
    /// frame of the previous page) in (captured_at, id) order.
    public static func page(_ db: DatabaseConnection, timelapseId: Int64, from: Date?, to: Date?,
                            after: (capturedAt: Date, id: Int64)?, limit: Int) async throws -> [ExportFrame] {
        var query: SQLQueryString = """
            SELECT id, file_path, small_path, captured_at, width, height FROM images WHERE timelapse_id = \(bind: timelapseId)
            """
        if let from { query = query + " AND captured_at >= \(bind: from)" }
        if let to { query = query + " AND captured_at <= \(bind: to)" }
        if let after {
            query = query + " AND (captured_at > \(bind: after.capturedAt) OR (captured_at = \(bind: after.capturedAt) AND id > \(bind: after.id)))"
        }
        query = query + " ORDER BY captured_at, id LIMIT \(bind: limit)"
        return try await db.raw(query).all().map { row in
            ExportFrame(id: try row.decode(column: "id", as: Int64.self), filePath: try row.decode(column: "file_path", as: String.self),
                        smallPath: try row.decode(column: "small_path", as: String?.self),
                        capturedAt: try row.decode(column: "captured_at", as: Date.self),
                        width: try row.decode(column: "width", as: Int.self), height: try row.decode(column: "height", as: Int.self))
        }
    }
}
