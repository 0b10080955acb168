import Foundation
import SQLKit
import TimelapserCore

/// A `webhooks` row: where to POST, which events (a JSON array of names), the signing secret, on or off.
public struct WebhookRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var url: String
    /// The JSON array of event names.
    public var events: String
    public var secret: String?
    public var enabled: Bool
    public var createdAt: Date
}

/// A `webhook_deliveries` row: one POST of one event to one webhook, as a persisted queue entry.
public struct WebhookDeliveryRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var webhookId: Int64
    /// The UUID sent as `X-Timelapser-Delivery`.
    public var deliveryId: String
    public var event: String
    /// The exact body that is POSTed (and signed), the same bytes on every attempt.
    public var payload: String
    /// `pending`, `delivering`, `delivered` or `failed`.
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lockedBy: String?
    public var leaseUntil: Date?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?
}

/// SQL of webhooks and their deliveries: the deliveries as a persistent queue (leases, fenced completion, rescue
/// of expired leases, like the other queues). The rules are the Notifications module's.
public enum WebhookStore {
    static func decode(_ rows: [any SQLRow]) throws -> [WebhookRecord] {
        try rows.map { try $0.decode(model: WebhookRecord.self, keyDecodingStrategy: .convertFromSnakeCase) }
    }

    static func decodeDeliveries(_ rows: [any SQLRow]) throws -> [WebhookDeliveryRecord] {
        try rows.map { try $0.decode(model: WebhookDeliveryRecord.self, keyDecodingStrategy: .convertFromSnakeCase) }
    }

    public static func insert(
        _ db: DatabaseConnection, url: String, events: String, secret: String?, enabled: Bool, at now: Date
    ) async throws -> WebhookRecord {
        try decode(try await db.raw("""
            INSERT INTO webhooks (url, events, secret, enabled, created_at)
            VALUES (\(bind: url), \(bind: events), \(bind: secret), \(bind: enabled), \(bind: now))
            RETURNING *
            """).all())[0]
    }

    public static func fetchOne(_ db: DatabaseConnection, id: Int64) async throws -> WebhookRecord? {
        try decode(try await db.raw("SELECT * FROM webhooks WHERE id = \(bind: id)").all()).first
    }

    /// Every webhook, oldest first.
    public static func list(_ db: DatabaseConnection) async throws -> [WebhookRecord] {
        try decode(try await db.raw("SELECT * FROM webhooks ORDER BY id").all())
    }

    /// The enabled webhooks (the event subscriber picks those that want an event).
    public static func enabled(_ db: DatabaseConnection) async throws -> [WebhookRecord] {
        try decode(try await db.raw("SELECT * FROM webhooks WHERE enabled = \(bind: true) ORDER BY id").all())
    }

    /// Writes a webhook's fields as they are now; nil when it does not exist.
    public static func update(_ db: DatabaseConnection, _ webhook: WebhookRecord) async throws -> WebhookRecord? {
        try decode(try await db.raw("""
            UPDATE webhooks SET url = \(bind: webhook.url), events = \(bind: webhook.events), secret = \(bind: webhook.secret),
                enabled = \(bind: webhook.enabled)
            WHERE id = \(bind: webhook.id)
            RETURNING *
            """).all()).first
    }

    /// Deletes a webhook (its deliveries go with it); returns it as it was.
    public static func delete(_ db: DatabaseConnection, id: Int64) async throws -> WebhookRecord? {
        try decode(try await db.raw("DELETE FROM webhooks WHERE id = \(bind: id) RETURNING *").all()).first
    }
}

// MARK: deliveries

extension WebhookStore {
    /// Queues a delivery, due at once.
    public static func enqueue(
        _ db: DatabaseConnection, webhookId: Int64, deliveryId: String, event: String, payload: String, at now: Date
    ) async throws -> WebhookDeliveryRecord? {
        try decodeDeliveries(try await db.raw("""
            INSERT INTO webhook_deliveries (webhook_id, delivery_id, event, payload, status, attempts, next_attempt_at, created_at)
            VALUES (\(bind: webhookId), \(bind: deliveryId), \(bind: event), \(bind: payload), 'pending', 0, \(bind: now), \(bind: now))
            ON CONFLICT (delivery_id) DO NOTHING
            RETURNING *
            """).all()).first
    }

    /// A webhook's deliveries, newest first.
    public static func deliveries(_ db: DatabaseConnection, webhookId: Int64, limit: Int) async throws -> [WebhookDeliveryRecord] {
        try decodeDeliveries(try await db.raw("""
            SELECT * FROM webhook_deliveries WHERE webhook_id = \(bind: webhookId) ORDER BY id DESC LIMIT \(bind: limit)
            """).all())
    }

    public static func delivery(_ db: DatabaseConnection, deliveryId: String) async throws -> WebhookDeliveryRecord? {
        try decodeDeliveries(try await db.raw("""
            SELECT * FROM webhook_deliveries WHERE delivery_id = \(bind: deliveryId)
            """).all()).first
    }

    /// Hands up to `limit` due deliveries to `workerId`, oldest first, counting the attempt.
    public static func claim(
        _ db: DatabaseConnection, workerId: String, limit: Int, leaseUntil: Date, at now: Date
    ) async throws -> [WebhookDeliveryRecord] {
        guard limit > 0 else { return [] }
        return try decodeDeliveries(try await db.raw("""
            UPDATE webhook_deliveries SET status = 'delivering', locked_by = \(bind: workerId), lease_until = \(bind: leaseUntil),
                attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= \(bind: now)
                ORDER BY next_attempt_at, id LIMIT \(bind: limit) \(SkipLocked())
            )
            RETURNING *
            """).all()).sorted { $0.id < $1.id }
    }

    /// Records a delivery's end (`delivered` or `failed`), only while `workerId` holds it; false when it does not.
    public static func finish(
        _ db: DatabaseConnection, id: Int64, workerId: String, delivered: Bool, statusCode: Int?, error: String?, at now: Date
    ) async throws -> Bool {
        try await db.raw("""
            UPDATE webhook_deliveries SET status = \(bind: delivered ? "delivered" : "failed"),
                last_status_code = \(bind: statusCode), last_error = \(bind: error),
                delivered_at = \(bind: delivered ? now : nil), locked_by = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND locked_by = \(bind: workerId) AND status = 'delivering'
            RETURNING id
            """).first() != nil
    }

    /// Puts a delivery this worker holds back in the queue, due at `nextAttemptAt`; false when it no longer holds it.
    public static func retry(
        _ db: DatabaseConnection, id: Int64, workerId: String, statusCode: Int?, error: String?, nextAttemptAt: Date
    ) async throws -> Bool {
        try await db.raw("""
            UPDATE webhook_deliveries SET status = 'pending', last_status_code = \(bind: statusCode), last_error = \(bind: error),
                next_attempt_at = \(bind: nextAttemptAt), locked_by = NULL, lease_until = NULL
            WHERE id = \(bind: id) AND locked_by = \(bind: workerId) AND status = 'delivering'
            RETURNING id
            """).first() != nil
    }

    /// Gives deliveries back to the queue without burning an attempt (graceful shutdown).
    public static func release(_ db: DatabaseConnection, workerId: String, ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await db.raw("""
            UPDATE webhook_deliveries SET status = 'pending', locked_by = NULL, lease_until = NULL, attempts = attempts - 1
            WHERE locked_by = \(bind: workerId) AND status = 'delivering' AND id IN (\(binds: ids))
            """).run()
    }

    /// Deliveries whose lease ran out (their worker died): back to the queue, due at once (the lost attempt counts).
    public static func rescueExpired(_ db: DatabaseConnection, at now: Date) async throws -> Int {
        try await db.raw("""
            UPDATE webhook_deliveries SET status = 'pending', locked_by = NULL, lease_until = NULL, next_attempt_at = \(bind: now),
                last_error = COALESCE(last_error, 'the delivery was lost (its worker stopped)')
            WHERE status = 'delivering' AND lease_until < \(bind: now)
            RETURNING id
            """).all().count
    }
}
