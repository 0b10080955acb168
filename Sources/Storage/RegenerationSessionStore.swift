import Foundation
import SQLKit

/// Statuses of a regeneration session.
public enum RegenerationStatus {
    public static let active = "active"
    public static let completed = "completed"
    public static let cancelled = "cancelled"
}

/// CRUD for `regeneration_sessions`. At most one session is active (a partial unique index says so; a second
/// insert raises ``StorageError/conflict(_:)``).
public enum RegenerationSessionStore {
    static func decode(_ row: (any SQLRow)?) throws -> RegenerationSessionRecord? {
        try row?.decode(model: RegenerationSessionRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Inserts the active session with `total` = -1 ("still queueing") until ``setTotal(_:id:total:)``.
    public static func insertActive(_ db: any SQLDatabase, forceAll: Bool, limit: Int?, at now: Date) async throws -> RegenerationSessionRecord {
        try decode(try await db.raw("""
            INSERT INTO regeneration_sessions (status, force_all, image_limit, total, cancel_requested, started_at)
            VALUES ('active', \(bind: forceAll), \(bind: limit), -1, \(bind: false), \(bind: now))
            RETURNING *
            """).first())!
    }

    public static func setTotal(_ db: any SQLDatabase, id: Int64, total: Int) async throws {
        try await db.raw("UPDATE regeneration_sessions SET total = \(bind: total) WHERE id = \(bind: id)").run()
    }

    public static func fetchActive(_ db: any SQLDatabase) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("SELECT * FROM regeneration_sessions WHERE status = 'active'").first())
    }

    /// The newest session, whatever its status.
    public static func fetchLatest(_ db: any SQLDatabase) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("SELECT * FROM regeneration_sessions ORDER BY id DESC LIMIT 1").first())
    }

    public static func fetchOne(_ db: any SQLDatabase, id: Int64) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("SELECT * FROM regeneration_sessions WHERE id = \(bind: id)").first())
    }

    /// Marks the active session as cancel-requested; nil when it is no longer active.
    public static func requestCancel(_ db: any SQLDatabase, id: Int64) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("""
            UPDATE regeneration_sessions SET cancel_requested = \(bind: true) WHERE id = \(bind: id) AND status = 'active' RETURNING *
            """).first())
    }

    /// Ends an active session; returns the row only for the one caller that ended it (others see nil), so
    /// exactly one process announces the end.
    public static func finish(_ db: any SQLDatabase, id: Int64, status: String, at now: Date) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("""
            UPDATE regeneration_sessions SET status = \(bind: status), finished_at = \(bind: now)
            WHERE id = \(bind: id) AND status = 'active' RETURNING *
            """).first())
    }
}
