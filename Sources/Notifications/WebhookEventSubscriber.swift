import Events
import Foundation
import Logging
import ServiceLifecycle
import TimelapserCore

/// Turns server events into queued deliveries: for each event some enabled webhook wants, one row per webhook in
/// `webhook_deliveries`. It only inserts rows (the POSTs are ``WebhookDeliveryWorker``'s), so a slow or dead
/// receiver never holds up the bus, capture or serving.
public struct WebhookEventSubscriber: Service {
    let webhooks: WebhookService
    let events: EventBus
    let logger: Logger

    public init(webhooks: WebhookService, events: EventBus, logger: Logger) {
        self.webhooks = webhooks
        self.events = events
        self.logger = logger
    }

    public func run() async throws {
        // A subscriber the bus dropped (far behind) subscribes again.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let stream = await events.subscribe()
            for await published in stream.cancelOnGracefulShutdown() {
                guard WebhookEvent(published.kind) != nil else { continue }
                do {
                    try await webhooks.enqueue(published.kind, data: published.data, source: published.source)
                } catch {
                    logger.error("webhooks: could not queue \(published.kind.rawValue): \(error)")
                }
            }
        }
    }
}
