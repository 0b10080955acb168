import Foundation
import Logging
import ServiceLifecycle
import TimelapserCore

/// A publish/subscribe channel between the processes sharing one database (PostgreSQL NOTIFY/LISTEN).
public protocol NotificationChannel: Sendable {
    /// Sends `payload` to every listener of `channel`.
    func notify(channel: String, payload: String) async throws
    /// Calls `onPayload` for each notification on `channel` until cancelled.
    func listen(channel: String, onPayload: @Sendable (String) async -> Void) async throws
}

/// Carries events between processes over a ``NotificationChannel``: forwards what this process publishes, and
/// a `Service` re-publishes other processes' events on the local bus, decoded to the same ``ServerEvent``.
public final class CrossProcessEventRelay: EventRelay, Sendable {
    public static let channel = "timelapser_events"
    let notifications: any NotificationChannel
    let origin: String
    let logger: Logger

    /// What travels on the channel: who sent it, and the event as the SSE stream carries it.
    struct Envelope: Codable {
        var origin: String
        var type: ServerEvent.Kind
        var data: String
        /// ``PublishedEvent/source`` of the event (absent from older processes).
        var source: String?
    }

    public init(notifications: any NotificationChannel, origin: String, logger: Logger) {
        self.notifications = notifications
        self.origin = origin
        self.logger = logger
    }

    public func forward(_ kind: ServerEvent.Kind, data: String, source: String) async {
        guard let payload = try? JSONEncoder().encode(Envelope(origin: origin, type: kind, data: data, source: source)) else { return }
        do {
            try await notifications.notify(channel: Self.channel, payload: String(decoding: payload, as: UTF8.self))
        } catch {
            logger.warning("event relay: NOTIFY failed", metadata: ["error": "\(error)"])
        }
    }

    /// The listening side, as a `Service`: re-publishes events of other origins on `bus`.
    public func listener(bus: EventBus) -> some Service {
        RelayListener(relay: self, bus: bus)
    }

    /// The event an envelope carries, unless this process sent it (or it does not decode).
    func received(_ payload: String) -> (ServerEvent, data: String, source: String?)? {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(payload.utf8)), envelope.origin != origin else {
            return nil
        }
        do {
            return (try ServerEvent(kind: envelope.type, data: envelope.data), envelope.data, envelope.source)
        } catch {
            logger.warning("event relay: undecodable event", metadata: ["type": "\(envelope.type.rawValue)", "error": "\(error)"])
            return nil
        }
    }

    struct RelayListener: Service {
        let relay: CrossProcessEventRelay
        let bus: EventBus

        func run() async throws {
            while !Task.isCancelledOrShuttingDown {
                do {
                    try await cancelWhenGracefulShutdown {
                        try await relay.notifications.listen(channel: CrossProcessEventRelay.channel) { payload in
                            guard let (event, data, source) = relay.received(payload) else { return }
                            await bus.publishRelayed(event, data: data, source: source)
                        }
                    }
                } catch {
                    if Task.isCancelledOrShuttingDown { break }
                    relay.logger.warning("event relay: LISTEN failed, retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
