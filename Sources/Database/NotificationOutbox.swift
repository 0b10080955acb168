import Foundation
import SQLKit
import TimelapserCore

/// SQL of the notification outbox: how processes sharing one SQLite file tell each other things (PostgreSQL
/// uses NOTIFY instead).
enum NotificationOutbox {
    static func append(_ db: DatabaseConnection, channel: String, payload: String, at now: Date) async throws {
        try await db.raw("""
            INSERT INTO notification_outbox (channel, payload, created_at) VALUES (\(bind: channel), \(bind: payload), \(bind: now))
            """).run()
    }

    /// The newest id (0 when empty): a listener starts after it, so it sees only what comes next.
    static func latestId(_ db: DatabaseConnection) async throws -> Int64 {
        try await db.raw("SELECT COALESCE(MAX(id), 0) AS id FROM notification_outbox").first()?.decode(column: "id", as: Int64.self) ?? 0
    }

    /// Notifications of `channel` after `id`, oldest first.
    static func after(_ db: DatabaseConnection, channel: String, id: Int64, limit: Int) async throws -> [(id: Int64, payload: String)] {
        try await db.raw("""
            SELECT id, payload FROM notification_outbox WHERE id > \(bind: id) AND channel = \(bind: channel) ORDER BY id LIMIT \(bind: limit)
            """).all().map { (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "payload", as: String.self)) }
    }

    static func prune(_ db: DatabaseConnection, before: Date) async throws {
        try await db.raw("DELETE FROM notification_outbox WHERE created_at < \(bind: before)").run()
    }
}
