import AsyncHTTPClient
import Foundation
import NIOCore
import TimelapserCore

/// One event read off `GET /api/events`.
public struct ReceivedEvent: Sendable {
    public var id: UInt64?
    public var type: String
    public var data: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:] }
    public var raw: String

    /// The typed event the server's own consumers decode; nil when the wire text does not decode (a test failure).
    public var event: ServerEvent? {
        guard let kind = ServerEvent.Kind(rawValue: type) else { return nil }
        return try? ServerEvent(kind: kind, data: raw)
    }
}

/// A real Server-Sent Events client over HTTP, for tests: connects, then collects events as they arrive.
public final class EventStreamClient: Sendable {
    private let task: Task<Void, Never>
    private let buffer = Buffer()

    final class Buffer: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [ReceivedEvent] = []
        private var text = ""
        private(set) var closed = false
        func append(_ e: ReceivedEvent) { lock.withLock { events.append(e) } }
        func appendText(_ s: String) { lock.withLock { text += s } }
        func close() { lock.withLock { closed = true } }
        var transcript: String { lock.withLock { text } }
        /// Removes and returns the first event matching `predicate` (events before it are dropped).
        func take(_ predicate: (ReceivedEvent) -> Bool) -> ReceivedEvent? {
            lock.withLock {
                guard let index = events.firstIndex(where: predicate) else { return nil }
                let event = events[index]
                events.removeFirst(index + 1)
                return event
            }
        }
    }

    /// Raw text received so far (heartbeats and preamble included).
    public var transcript: String { buffer.transcript }

    /// Connects and waits for the response headers (so events published afterwards are seen).
    public init(port: Int, lastEventId: UInt64? = nil) async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/events")
        if let lastEventId { request.headers.add(name: "Last-Event-ID", value: String(lastEventId)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        guard response.status == .ok, response.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true else {
            throw TestSetupError("events endpoint answered \(response.status)")
        }
        let buffer = self.buffer
        task = Task {
            var pending = ""
            do {
                for try await chunk in response.body {
                    let text = String(buffer: chunk)
                    buffer.appendText(text)
                    pending += text
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending = String(pending[end.upperBound...])
                        if let event = Self.parse(block) { buffer.append(event) }
                    }
                }
            } catch {}
            buffer.close()
        }
    }

    static func parse(_ block: String) -> ReceivedEvent? {
        var id: UInt64?
        var type: String?
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("id: ") { id = UInt64(line.dropFirst(4)) }
            else if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
            else if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        return type.map { ReceivedEvent(id: id, type: $0, raw: data) }
    }

    /// The next event matching `predicate`, or nil after `timeout`.
    public func next(timeout: Duration = .seconds(10), where predicate: (ReceivedEvent) -> Bool = { _ in true }) async -> ReceivedEvent? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let event = buffer.take(predicate) { return event }
            if buffer.closed { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    public func close() { task.cancel() }
}
