import Foundation
import SQLKit
import TimelapserCore

/// CRUD for `regeneration_sessions`. At most one session is active (a partial unique index says so; a second
/// insert raises ``DatabaseError/conflict(_:)``).
public enum RegenerationSessionStore {
    static func decode(_ row: (any SQLRow)?) throws -> RegenerationSessionRecord? {
        try row?.decode(model: RegenerationSessionRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Inserts the active session with `total` = -1 ("still queueing") until ``setTotal(_:id:total:)``.
    public static func insertActive(_ db: DatabaseConnection, forceAll: Bool, limit: Int?, at now: Date) async throws -> RegenerationSessionRecord {
        try decode(try await db.raw("""
            INSERT INTO regeneration_sessions (status, force_all, image_limit, total, cancel_requested, started_at)
            VALUES ('active', \(bind: forceAll), \(bind: limit), -1, \(bind: false), \(bind: now))
            RETURNING *
            """).first())!
    }

    public static func setTotal(_ db: DatabaseConnection, id: Int64, total: Int) async throws {
        try await db.raw("UPDATE regeneration_sessions SET total = \(bind: total) WHERE id = \(bind: id)").run()
    }

    public static func fetchActive(_ db: DatabaseConnection) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("SELECT * FROM regeneration_sessions WHERE status = 'active'").first())
    }

    /// The newest session, whatever its status.
    public static func fetchLatest(_ db: DatabaseConnection) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("SELECT * FROM regeneration_sessions ORDER BY id DESC LIMIT 1").first())
    }

    public static func fetchOne(_ db: DatabaseConnection, id: Int64) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("SELECT * FROM regeneration_sessions WHERE id = \(bind: id)").first())
    }

    /// Marks the active session as cancel-requested; nil when it is no longer active.
    public static func requestCancel(_ db: DatabaseConnection, id: Int64) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("""
            UPDATE regeneration_sessions SET cancel_requested = \(bind: true) WHERE id = \(bind: id) AND status = 'active' RETURNING *
            """).first())
    }

    /// Ends an active session; returns the row only for the one caller that ended it (others see nil), so
    /// exactly one process announces the end.
    public static func finish(_ db: DatabaseConnection, id: Int64, status: RegenerationStatus, at now: Date) async throws -> RegenerationSessionRecord? {
        try decode(try await db.raw("""
            UPDATE regeneration_sessions SET status = \(bind: status.rawValue), finished_at = \(bind: now)
            WHERE id = \(bind: id) AND status = 'active' RETURNING *
            """).first())
    }
}
