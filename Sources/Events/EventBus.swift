import Foundation
import Logging
import TimelapserCore

/// An event as the bus numbered it, with its payload encoded once for every subscriber.
public struct PublishedEvent: Sendable, Equatable {
    /// Increasing within this process (the SSE `id:`).
    public let id: UInt64
    public let event: ServerEvent
    /// ``ServerEvent/data``, computed once at publication.
    public let data: String
    /// The event's identity across processes (`origin:id` of the process that published it first): the same
    /// event relayed to several processes has the same source everywhere.
    public let source: String

    public var kind: ServerEvent.Kind { event.kind }
}

/// Something that forwards locally published events to other processes (PostgreSQL NOTIFY).
public protocol EventRelay: Sendable {
    func forward(_ kind: ServerEvent.Kind, data: String, source: String) async
}

/// The in-process event bus: a bounded replay buffer and any number of subscribers.
///
/// A subscriber that falls more than `subscriberBuffer` events behind is dropped (its stream finishes), so a
/// slow client can never hold memory or slow the publisher.
public final class EventBus: Sendable {
    private let state: State
    private let relay: (any EventRelay)?

    /// - Parameter origin: this process's name in event sources (unique among the processes sharing a database).
    public init(replayCapacity: Int = 1024, subscriberBuffer: Int = 256, relay: (any EventRelay)? = nil,
                origin: String = UUID().uuidString) {
        state = State(replayCapacity: replayCapacity, subscriberBuffer: subscriberBuffer, origin: origin)
        self.relay = relay
    }

    /// Publishes an event locally and forwards it to other processes (unless every process makes it itself).
    public func publish(_ event: ServerEvent) async {
        let data = event.data
        let published = await state.append(event, data: data, source: nil)
        if event.kind.crossesProcesses {
            await relay?.forward(event.kind, data: data, source: published.source)
        }
    }

    /// Publishes an event that arrived from another process (not forwarded again), keeping its source.
    public func publishRelayed(_ event: ServerEvent, data: String, source: String?) async {
        await state.append(event, data: data, source: source)
    }

    /// A stream of events after `lastEventId` (replayed from the buffer while it still holds them), then live ones.
    public func subscribe(after lastEventId: UInt64? = nil) async -> AsyncStream<PublishedEvent> {
        await state.subscribe(after: lastEventId)
    }

    private actor State {
        let replayCapacity: Int
        let subscriberBuffer: Int
        var buffer: [PublishedEvent] = []
        var lastId: UInt64 = 0
        var subscribers: [UUID: AsyncStream<PublishedEvent>.Continuation] = [:]

        let origin: String

        init(replayCapacity: Int, subscriberBuffer: Int, origin: String) {
            self.replayCapacity = replayCapacity
            self.subscriberBuffer = subscriberBuffer
            self.origin = origin
        }

        @discardableResult
        func append(_ event: ServerEvent, data: String, source: String?) -> PublishedEvent {
            lastId += 1
            let published = PublishedEvent(id: lastId, event: event, data: data, source: source ?? "\(origin):\(lastId)")
            buffer.append(published)
            if buffer.count > replayCapacity { buffer.removeFirst(buffer.count - replayCapacity) }
            for (key, continuation) in subscribers {
                if case .dropped = continuation.yield(published) {
                    continuation.finish()
                    subscribers[key] = nil
                }
            }
            return published
        }

        func subscribe(after lastEventId: UInt64?) -> AsyncStream<PublishedEvent> {
            let (stream, continuation) = AsyncStream<PublishedEvent>.makeStream(
                bufferingPolicy: .bufferingOldest(max(subscriberBuffer, replayCapacity)))
            if let lastEventId {
                for event in buffer where event.id > lastEventId { continuation.yield(event) }
            }
            let key = UUID()
            subscribers[key] = continuation
            continuation.onTermination = { [weak self] _ in
                Task { await self?.remove(key) }
            }
            return stream
        }

        func remove(_ key: UUID) { subscribers[key] = nil }
    }
}
