import Events
import Foundation

/// A wait that ran out: the test fails with what it waited for instead of hanging `make test`.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let description: String
}

/// Polls `condition` every `interval` until it holds; throws ``DeadlineExceeded`` naming `what` after `timeout`.
/// The default is generous: in a full run on 2 cores a child such as ffmpeg was seen to take over 20 s to appear,
/// and the wait only bounds a failure, it asserts no speed.
public func waitUntil(_ what: String, timeout: Duration = .seconds(60), interval: Duration = .milliseconds(20),
                      _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    if try await condition() { return }
    throw DeadlineExceeded(description: "timed out after \(timeout) waiting for \(what)")
}

/// Reads a bus subscription until `stop` holds for an event (included in the result); throws
/// ``DeadlineExceeded`` after `timeout`, so a missing event fails the test instead of hanging it.
public func collectEvents(_ stream: AsyncStream<PublishedEvent>, timeout: Duration = .seconds(20),
                          until stop: @escaping @Sendable (PublishedEvent) -> Bool) async throws -> [PublishedEvent] {
    try await withThrowingTaskGroup(of: [PublishedEvent]?.self) { group in
        group.addTask {
            var seen: [PublishedEvent] = []
            for await event in stream {
                seen.append(event)
                if stop(event) { return seen }
            }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let seen = first else {
            throw DeadlineExceeded(description: "no matching event within \(timeout)")
        }
        return seen
    }
}
