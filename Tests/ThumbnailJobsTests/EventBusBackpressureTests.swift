import Events
import Foundation
import Synchronization
import Testing
import TestSupport
import TimelapserCore

/// `EventBus` (the module has no test target of its own; this one links it): a subscriber that never reads is
/// dropped once its buffer is full, while the publisher and the other subscribers carry on.
@Suite("Event bus: slow subscribers are dropped, nobody else waits")
struct EventBusBackpressureTests {
    static func event(_ n: Int) -> ServerEvent { .cameraDeleted(CameraDeleted(cameraId: Int64(n))) }

    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    /// Publishes events `numbers` in order and fails (instead of hanging) unless every `publish` has returned
    /// within `timeout`: publishing must never wait for a subscriber.
    static func publish(_ bus: EventBus, _ numbers: ClosedRange<Int>, timeout: Duration = .seconds(10)) async throws {
        let done = Flag()
        Task {
            for n in numbers { await bus.publish(event(n)) }
            done.set()
        }
        try await waitUntil("publishing events \(numbers) to return", timeout: timeout, interval: .milliseconds(5)) { done.isSet }
    }

    /// Everything a stream still yields, and whether it finished, reading for at most `timeout`.
    static func drain(_ stream: AsyncStream<PublishedEvent>, timeout: Duration = .seconds(10)) async -> (events: [PublishedEvent], finished: Bool) {
        await withTaskGroup(of: ([PublishedEvent], Bool)?.self) { group in
            group.addTask {
                var seen: [PublishedEvent] = []
                for await event in stream { seen.append(event) }
                return (seen, true)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = await group.next(), let result = first else { return ([], false) }
            return result
        }
    }

    @Test("a subscriber that never reads gets its first `buffer` events, then its stream finishes")
    func slowSubscriberIsDropped() async throws {
        let buffer = 8
        let bus = EventBus(replayCapacity: buffer, subscriberBuffer: buffer)
        let slow = await bus.subscribe()
        let fast = await bus.subscribe()
        var received: [PublishedEvent] = []
        // Three rounds of `buffer` events: the fast subscriber reads each round before the next one is published.
        for round in 0..<3 {
            try await Self.publish(bus, (round * buffer + 1)...((round + 1) * buffer))
            let last = UInt64((round + 1) * buffer)
            received += try await collectEvents(fast, timeout: .seconds(10)) { $0.id == last }
        }
        // The publisher never waited for the slow subscriber, and the fast one saw everything, in order.
        #expect(received.map(\.id) == Array(1...UInt64(3 * buffer)))
        #expect(received.map(\.event) == (1...3 * buffer).map(Self.event))

        // The slow one holds what fitted in its buffer, then ends (an SSE client would reconnect with its last id).
        let (kept, finished) = await Self.drain(slow)
        #expect(finished, "the dropped subscriber's stream did not finish")
        #expect(kept.map(\.id) == Array(1...UInt64(buffer)))

        // The bus carries on: live subscribers still get new events, and a late one can replay the recent ones.
        try await Self.publish(bus, 100...100)
        let next = try await collectEvents(fast, timeout: .seconds(10)) { _ in true }
        #expect(next.map(\.event) == [Self.event(100)])
        let late = await bus.subscribe(after: UInt64(3 * buffer - 2))
        let replayed = try await collectEvents(late, timeout: .seconds(10)) { $0.event == Self.event(100) }
        #expect(replayed.map(\.id) == [UInt64(3 * buffer - 1), UInt64(3 * buffer), UInt64(3 * buffer + 1)])
    }

    @Test("a subscriber that keeps up is never dropped, however many events pass")
    func keepingUpIsNeverDropped() async throws {
        let bus = EventBus(replayCapacity: 4, subscriberBuffer: 4)
        let reader = await bus.subscribe()
        var total = 0
        for round in 0..<50 {
            try await Self.publish(bus, (round * 4 + 1)...((round + 1) * 4))
            let last = UInt64((round + 1) * 4)
            total += try await collectEvents(reader, timeout: .seconds(10)) { $0.id == last }.count
        }
        #expect(total == 200)
    }
}
