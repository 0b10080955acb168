import Foundation
import Logging

/// One server event as clients see it: an increasing id, a type and a JSON object.
public struct ServerEvent: Sendable, Equatable {
    public let id: UInt64
    public let type: String
    /// Compact JSON text of the event's data.
    public let data: String
}

/// The event types of API.md.
public enum EventType {
    public static let imageCaptured = "image_captured"
    public static let thumbnailJobCompleted = "thumbnail_job_completed"
    public static let thumbnailJobFailed = "thumbnail_job_failed"
    public static let regenerationStarted = "thumbnail_regeneration_started"
    public static let regenerationProgress = "thumbnail_regeneration_progress"
    public static let regenerationCompleted = "thumbnail_regeneration_completed"
    public static let regenerationCancelled = "thumbnail_regeneration_cancelled"
    public static let thumbnailsVerified = "thumbnails_verified"
    public static let thumbnailsRepaired = "thumbnails_repaired"
    public static let thumbnailsCleaned = "thumbnails_cleaned"
    public static let thumbnailsDeleted = "thumbnails_deleted"
    public static let timelapseCompleted = "timelapse_completed"
    /// Deletions (beyond API.md's list): caches of served images and open dashboards drop what is gone.
    public static let imageDeleted = "image_deleted"
    public static let timelapseDeleted = "timelapse_deleted"
    public static let cameraDeleted = "camera_deleted"
}

/// Something that forwards locally published events to other processes (PostgreSQL NOTIFY).
public protocol EventRelay: Sendable {
    func forward(type: String, data: String) async
}

/// The in-process event bus: a bounded replay buffer and any number of subscribers.
///
/// A subscriber that falls more than `subscriberBuffer` events behind is dropped (its stream finishes), so a
/// slow client can never hold memory or slow the publisher.
public final class EventBus: Sendable {
    private let state: State
    private let relay: (any EventRelay)?

    public init(replayCapacity: Int = 1024, subscriberBuffer: Int = 256, relay: (any EventRelay)? = nil) {
        state = State(replayCapacity: replayCapacity, subscriberBuffer: subscriberBuffer)
        self.relay = relay
    }

    /// Publishes an event locally and forwards it to other processes.
    public func publish(_ type: String, _ data: [String: JSONValue]) async {
        let text = JSONValue.object(data).jsonText
        await state.append(type: type, data: text)
        await relay?.forward(type: type, data: text)
    }

    /// Publishes an event that arrived from another process (not forwarded again).
    public func publishRelayed(type: String, data: String) async {
        await state.append(type: type, data: data)
    }

    /// A stream of events after `lastEventId` (replayed from the buffer while it still holds them), then live ones.
    public func subscribe(after lastEventId: UInt64? = nil) async -> AsyncStream<ServerEvent> {
        await state.subscribe(after: lastEventId)
    }

    /// The id the last published event got (0 when none).
    public func lastEventId() async -> UInt64 { await state.lastId }

    private actor State {
        let replayCapacity: Int
        let subscriberBuffer: Int
        var buffer: [ServerEvent] = []
        var lastId: UInt64 = 0
        var subscribers: [UUID: AsyncStream<ServerEvent>.Continuation] = [:]

        init(replayCapacity: Int, subscriberBuffer: Int) {
            self.replayCapacity = replayCapacity
            self.subscriberBuffer = subscriberBuffer
        }

        func append(type: String, data: String) {
            lastId += 1
            let event = ServerEvent(id: lastId, type: type, data: data)
            buffer.append(event)
            if buffer.count > replayCapacity { buffer.removeFirst(buffer.count - replayCapacity) }
            for (key, continuation) in subscribers {
                if case .dropped = continuation.yield(event) {
                    continuation.finish()
                    subscribers[key] = nil
                }
            }
        }

        func subscribe(after lastEventId: UInt64?) -> AsyncStream<ServerEvent> {
            let (stream, continuation) = AsyncStream<ServerEvent>.makeStream(
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
