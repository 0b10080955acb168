import Foundation
import Hummingbird
import Notifications
import TimelapserCore

/// `/api/webhooks…`: create, list, change and delete webhooks, list their deliveries, queue a test delivery.
struct WebhookController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.post("webhooks", .admin, use: create)
        routes.get("webhooks", .admin, use: list)
        routes.get("webhooks/:id", .admin, use: get)
        routes.patch("webhooks/:id", .admin, use: update)
        routes.delete("webhooks/:id", .admin, use: delete)
        routes.get("webhooks/:id/deliveries", .admin, use: deliveries)
        routes.post("webhooks/:id/test", .admin, use: test)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let input = try await RequestInput.decode(WebhookRequest.self, from: &request).input
        return JSONResponse.ok(WebhookResponse(try await mapped { try await services.webhooks.create(input) }), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(try await services.webhooks.list().map(WebhookResponse.init))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Webhook")
        return JSONResponse.ok(WebhookResponse(try await mapped { try await services.webhooks.get(id) }))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Webhook")
        var request = request
        let input = try await RequestInput.decode(WebhookRequest.self, from: &request).input
        return JSONResponse.ok(WebhookResponse(try await mapped { try await services.webhooks.update(id, input) }))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Webhook")
        return JSONResponse.ok(WebhookResponse(try await mapped { try await services.webhooks.delete(id) }))
    }

    @Sendable func deliveries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Webhook")
        let limit = try RequestInput.int(request, "limit", in: 1...1000) ?? 50
        return JSONResponse.ok(try await mapped { try await services.webhooks.deliveries(webhookId: id, limit: limit) }
            .map(WebhookDeliveryResponse.init))
    }

    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Webhook")
        let delivery = try await mapped { try await services.webhooks.test(id) }
        return JSONResponse.ok(WebhookTestResponse(deliveryId: delivery.deliveryId, event: delivery.event, status: delivery.status),
                               status: .accepted)
    }

    /// Runs a service call, turning its ``WebhookError`` into the API's answer.
    func mapped<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as WebhookError {
            switch error {
            case .webhookNotFound(let id):
                throw APIError(.notFound, "Webhook not found", details: ["webhook_id": .int(Int(id))])
            case .invalidField(let field, let message):
                throw APIError(.unprocessableContent, "Invalid \(field): \(message)", details: ["field": .string(field)])
            }
        }
    }
}

/// The body of a create or an update; `secret: null` (or "") removes the secret.
struct WebhookRequest: Decodable {
    var input: WebhookInput

    enum CodingKeys: String, CodingKey { case url, events, secret, enabled }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        input = WebhookInput(
            url: try container.decodeIfPresent(String.self, forKey: .url),
            events: try container.decodeIfPresent([String].self, forKey: .events),
            secret: container.contains(.secret) ? .some(try container.decodeIfPresent(String.self, forKey: .secret)) : nil,
            enabled: try container.decodeIfPresent(Bool.self, forKey: .enabled))
    }
}

/// A webhook: its URL masked, its secret never (only whether there is one).
struct WebhookResponse: Encodable {
    var id: Int64
    var url: String
    var events: [String]
    var hasSecret: Bool
    var enabled: Bool
    var createdAt: Date

    init(_ webhook: Webhook) {
        id = webhook.id
        url = webhook.maskedURL
        events = webhook.events.map(\.rawValue)
        hasSecret = webhook.hasSecret
        enabled = webhook.enabled
        createdAt = webhook.createdAt
    }
}

/// One delivery: its state, attempts, the receiver's last status code and the last error.
struct WebhookDeliveryResponse: Encodable {
    var id: Int64
    var webhookId: Int64
    var deliveryId: String
    var event: String
    var status: String
    var attempts: Int
    @AlwaysPresent var nextAttemptAt: Date?
    @AlwaysPresent var lastStatusCode: Int?
    @AlwaysPresent var lastError: String?
    var createdAt: Date
    @AlwaysPresent var deliveredAt: Date?

    init(_ d: WebhookDelivery) {
        id = d.id
        webhookId = d.webhookId
        deliveryId = d.deliveryId
        event = d.event
        status = d.status
        attempts = d.attempts
        nextAttemptAt = d.nextAttemptAt
        lastStatusCode = d.lastStatusCode
        lastError = d.lastError
        createdAt = d.createdAt
        deliveredAt = d.deliveredAt
    }
}

struct WebhookTestResponse: Encodable {
    var deliveryId: String
    var event: String
    var status: String
}

extension OpenAPIDocument {
    static let webhookOperations: [APIOperation] = {
        let events = WebhookEvent.allCases.map(\.rawValue).joined(separator: "|")
        let body = "{url: http(s) URL, events: [\(events)], secret?: string|null, enabled?: boolean}"
        let webhook = "{id, url (masked), events, has_secret, enabled, created_at}"
        return [
            APIOperation(method: "post", path: "/api/webhooks", summary: "Create a webhook", tag: "webhooks",
                         responses: [201: webhook, 422: "Invalid url or events (details.field)"], body: body),
            APIOperation(method: "get", path: "/api/webhooks", summary: "Every webhook (URLs masked, secrets never shown)",
                         tag: "webhooks", responses: [200: "Array of webhooks"]),
            APIOperation(method: "get", path: "/api/webhooks/{id}", summary: "One webhook", tag: "webhooks",
                         responses: [200: webhook, 404: "Unknown webhook"]),
            APIOperation(method: "patch", path: "/api/webhooks/{id}", summary: "Change a webhook (absent fields stay; secret null removes it)",
                         tag: "webhooks", responses: [200: webhook, 404: "Unknown webhook", 422: "Invalid url or events (details.field)"],
                         body: body),
            APIOperation(method: "delete", path: "/api/webhooks/{id}", summary: "Delete a webhook and its deliveries", tag: "webhooks",
                         responses: [200: "The deleted webhook", 404: "Unknown webhook"]),
            APIOperation(method: "get", path: "/api/webhooks/{id}/deliveries", summary: "A webhook's deliveries, newest first",
                         tag: "webhooks",
                         responses: [200: "Array of {id, delivery_id, event, status (pending|delivering|delivered|failed), attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at}",
                                     404: "Unknown webhook"],
                         query: [("limit", "integer", "at most this many (1-1000, default 50)")]),
            APIOperation(method: "post", path: "/api/webhooks/{id}/test", summary: "Queue a webhook_test delivery", tag: "webhooks",
                         responses: [202: "{delivery_id, event, status}", 404: "Unknown webhook"]),
        ]
    }()
}
