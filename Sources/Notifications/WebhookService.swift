import Crypto
import Database
import Events
import Foundation
import Logging
import TimelapserCore

/// Why a webhook request was refused (the API maps each case to a status).
public enum WebhookError: Error, Sendable, Equatable {
    case webhookNotFound(Int64)
    /// A field has a value that is not allowed (422, `details.field`).
    case invalidField(field: String, message: String)
}

/// A webhook as the API shows it: the URL masked, the secret only as whether there is one.
public struct Webhook: Sendable, Equatable {
    public var id: Int64
    /// The URL with its credentials hidden (``WebhookURLMask``).
    public var maskedURL: String
    public var events: [WebhookEvent]
    public var hasSecret: Bool
    public var enabled: Bool
    public var createdAt: Date

    init(_ record: WebhookRecord) {
        id = record.id
        maskedURL = WebhookURLMask.mask(record.url)
        events = WebhookEvent.decodeList(record.events)
        hasSecret = !(record.secret ?? "").isEmpty
        enabled = record.enabled
        createdAt = record.createdAt
    }
}

/// What a create or an update asks for: absent fields are left as they are (create: required or defaults).
/// `secret` null (or "") removes the secret.
public struct WebhookInput: Sendable, Equatable {
    public var url: String?
    public var events: [String]?
    /// nil: unchanged; `.some(nil)`: removed.
    public var secret: String??
    public var enabled: Bool?

    public init(url: String? = nil, events: [String]? = nil, secret: String?? = nil, enabled: Bool? = nil) {
        self.url = url
        self.events = events
        self.secret = secret
        self.enabled = enabled
    }
}

/// Creates, lists, changes and deletes webhooks, queues their deliveries and lists them; what the API calls. The
/// POSTs themselves are ``WebhookDeliveryWorker``'s, the queueing of server events ``WebhookEventSubscriber``'s.
public struct WebhookService: Sendable {
    let database: TimelapserDatabase
    /// Wakes this process's delivery worker when a delivery is queued.
    let wake: WakeSignal
    let logger: Logger

    public init(database: TimelapserDatabase, logger: Logger) {
        self.database = database
        self.wake = WakeSignal()
        self.logger = logger
    }

    public func create(_ input: WebhookInput) async throws -> Webhook {
        guard let url = input.url else { throw WebhookError.invalidField(field: "url", message: "is required") }
        guard let names = input.events else { throw WebhookError.invalidField(field: "events", message: "is required") }
        let events = try Self.validate(events: names)
        try Self.validate(url: url)
        let secret = input.secret.flatMap { $0 }.flatMap { $0.isEmpty ? nil : $0 }
        let record = try await database.transaction {
            try await WebhookStore.insert($0, url: url, events: WebhookEvent.encodeList(events), secret: secret,
                                          enabled: input.enabled ?? true, at: Date())
        }
        logger.info("webhook created", metadata: ["webhook_id": "\(record.id)", "url": "\(WebhookURLMask.mask(url))"])
        return Webhook(record)
    }

    public func list() async throws -> [Webhook] {
        try await database.read { try await WebhookStore.list($0) }.map(Webhook.init)
    }

    public func get(_ id: Int64) async throws -> Webhook {
        Webhook(try await record(id))
    }

    public func update(_ id: Int64, _ input: WebhookInput) async throws -> Webhook {
        if let url = input.url { try Self.validate(url: url) }
        let events = try input.events.map(Self.validate(events:))
        let updated = try await database.transaction { db -> WebhookRecord? in
            guard var record = try await WebhookStore.fetchOne(db, id: id) else { return nil }
            if let url = input.url { record.url = url }
            if let events { record.events = WebhookEvent.encodeList(events) }
            if let secret = input.secret { record.secret = secret.flatMap { $0.isEmpty ? nil : $0 } }
            if let enabled = input.enabled { record.enabled = enabled }
            return try await WebhookStore.update(db, record)
        }
        guard let updated else { throw WebhookError.webhookNotFound(id) }
        return Webhook(updated)
    }

    public func delete(_ id: Int64) async throws -> Webhook {
        guard let deleted = try await database.transaction({ try await WebhookStore.delete($0, id: id) }) else {
            throw WebhookError.webhookNotFound(id)
        }
        return Webhook(deleted)
    }

    /// A webhook's deliveries, newest first.
    public func deliveries(webhookId: Int64, limit: Int) async throws -> [WebhookDelivery] {
        _ = try await record(webhookId)
        return try await database.read { try await WebhookStore.deliveries($0, webhookId: webhookId, limit: limit) }
            .map { WebhookDelivery($0) }
    }

    /// Queues a `webhook_test` delivery to the webhook (enabled or not), due at once.
    public func test(_ id: Int64) async throws -> WebhookDelivery {
        let webhook = try await record(id)
        let data = #"{"message":"This is a test delivery from Timelapser.","webhook_id":\#(webhook.id)}"#
        guard let delivery = try await enqueue(webhookId: webhook.id, event: WebhookEvent.testEventName, data: data) else {
            throw WebhookError.webhookNotFound(id)  // a fresh delivery id is never taken; unreachable in practice
        }
        return WebhookDelivery(delivery)
    }

    func record(_ id: Int64) async throws -> WebhookRecord {
        guard let record = try await database.read({ try await WebhookStore.fetchOne($0, id: id) }) else {
            throw WebhookError.webhookNotFound(id)
        }
        return record
    }

    /// Queues one delivery of `event` (its JSON payload `data`) to a webhook and wakes the worker.
    /// Queues one delivery. `deliveryId` defaults to a fresh one; a delivery id already queued is not queued
    /// again (nil).
    @discardableResult
    func enqueue(webhookId: Int64, event: String, data: String, deliveryId: String = UUID().uuidString.lowercased(),
                 at now: Date = Date()) async throws -> WebhookDeliveryRecord? {
        let body = WebhookPayload.body(event: event, deliveryId: deliveryId, createdAt: now, data: data)
        let delivery = try await database.transaction {
            try await WebhookStore.enqueue($0, webhookId: webhookId, deliveryId: deliveryId, event: event, payload: body, at: now)
        }
        if delivery != nil { wake.signal() }
        return delivery
    }

    /// The delivery id of an event for a webhook: the same in every process that sees the event (several servers
    /// on one database all hear it), so it is queued once.
    static func deliveryId(webhookId: Int64, source: String) -> String {
        let digest = Array(SHA256.hash(data: Data("\(webhookId)|\(source)".utf8)))
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // a name-based UUID layout (version 5 style)
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// Queues a delivery of a server event to every enabled webhook that wants it (nothing for other events).
    /// `source` is the event's identity across processes (``PublishedEvent/source``): each webhook gets one delivery
    /// of it however many processes enqueue it.
    public func enqueue(_ kind: ServerEvent.Kind, data: String, source: String) async throws {
        guard let event = WebhookEvent(kind) else { return }
        let webhooks = try await database.read { try await WebhookStore.enabled($0) }
            .filter { WebhookEvent.decodeList($0.events).contains(event) }
        for webhook in webhooks {
            try await enqueue(webhookId: webhook.id, event: event.rawValue, data: data,
                              deliveryId: Self.deliveryId(webhookId: webhook.id, source: source))
        }
    }

    // MARK: validation

    /// An http(s) URL with a host; any host (loopback and LAN included: webhooks often go to the local network).
    static func validate(url: String) throws {
        guard url.count <= 2048, let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw WebhookError.invalidField(field: "url", message: "must be an http:// or https:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw WebhookError.invalidField(field: "url", message: "must name a host")
        }
    }

    static func validate(events names: [String]) throws -> [WebhookEvent] {
        guard !names.isEmpty else {
            throw WebhookError.invalidField(field: "events", message: "must name at least one event")
        }
        var events: [WebhookEvent] = []
        for name in names {
            guard let event = WebhookEvent(rawValue: name) else {
                let known = WebhookEvent.allCases.map(\.rawValue).joined(separator: ", ")
                throw WebhookError.invalidField(field: "events", message: "unknown event \"\(name)\" (known: \(known))")
            }
            if !events.contains(event) { events.append(event) }
        }
        return events
    }
}

/// A delivery as the API shows it.
public struct WebhookDelivery: Sendable, Equatable {
    public var id: Int64
    public var webhookId: Int64
    public var deliveryId: String
    public var event: String
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    init(_ record: WebhookDeliveryRecord) {
        id = record.id
        webhookId = record.webhookId
        deliveryId = record.deliveryId
        event = record.event
        status = record.status
        attempts = record.attempts
        nextAttemptAt = record.status == "pending" ? record.nextAttemptAt : nil
        lastStatusCode = record.lastStatusCode
        lastError = record.lastError
        createdAt = record.createdAt
        deliveredAt = record.deliveredAt
    }
}

/// The body of a delivery: `{"created_at": …, "data": {…}, "delivery_id": …, "event": …}`, built once when the
/// delivery is queued and sent (and signed) as the same bytes on every attempt.
enum WebhookPayload {
    static func body(event: String, deliveryId: String, createdAt: Date, data: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func quoted(_ text: String) -> String {
            String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        let payload = data.isEmpty ? "{}" : data
        return #"{"created_at":\#(quoted(JSONDate.string(createdAt))),"data":\#(payload),"#
            + #""delivery_id":\#(quoted(deliveryId)),"event":\#(quoted(event))}"#
    }
}
