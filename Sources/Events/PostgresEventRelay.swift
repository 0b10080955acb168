import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Carries events between processes that share one PostgreSQL database: publishes with NOTIFY, and a
/// `Service` that LISTENs and re-publishes other processes' events on the local bus.
public final class PostgresEventRelay: EventRelay, Sendable {
    public static let channel = "timelapser_events"
    let database: TimelapserDatabase
    let origin: String
    let logger: Logger

    public init(database: TimelapserDatabase, origin: String, logger: Logger) {
        self.database = database
        self.origin = origin
        self.logger = logger
    }

    public func forward(type: String, data: String) async {
        let payload = JSONValue.object(["origin": .string(origin), "type": .string(type), "data": .string(data)]).jsonText
        do {
            try await database.notify(channel: Self.channel, payload: payload)
        } catch {
            logger.warning("event relay: NOTIFY failed", metadata: ["error": "\(error)"])
        }
    }

    /// The listening side, as a `Service`: re-publishes events of other origins on `bus`.
    public func listener(bus: EventBus) -> some Service {
        RelayListener(relay: self, bus: bus)
    }

    struct RelayListener: Service {
        let relay: PostgresEventRelay
        let bus: EventBus

        func run() async throws {
            while !Task.isCancelledOrShuttingDown {
                do {
                    try await cancelWhenGracefulShutdown {
                    try await relay.database.listen(channel: PostgresEventRelay.channel) { payload in
                        guard case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8)),
                              case .string(let origin)? = o["origin"], origin != relay.origin,
                              case .string(let type)? = o["type"], case .string(let data)? = o["data"]
                        else { return }
                        await bus.publishRelayed(type: type, data: data)
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
