import Events
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import TimelapserCore

/// `GET /api/events`: the live event stream (Server-Sent Events) with `Last-Event-ID` replay and a heartbeat.
struct EventsController {
    let services: APIServices
    var heartbeatInterval: Duration = .seconds(15)
    /// Events waiting for a client that is not reading; past this many the client is dropped (its stream ends and
    /// it reconnects with `Last-Event-ID`), so a stalled client never holds server memory.
    var clientBuffer = 256

    func addRoutes(to routes: AccessRoutes) {
        routes.get("events", .viewer, use: stream)
    }

    enum Item: Sendable {
        case event(PublishedEvent)
        case heartbeat
    }

    @Sendable func stream(_ request: Request, context: AppRequestContext) async throws -> Response {
        let header = request.headers[.lastEventID] ?? request.uri.queryParameters.get("last_event_id")
        let lastId = header.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        let events = await services.events.subscribe(after: lastId)
        let interval = heartbeatInterval
        let (items, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingOldest(clientBuffer))
        let pump = Task {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await event in events {
                        // The client stopped reading and its buffer is full: end its stream.
                        if case .dropped = continuation.yield(.event(event)) { break }
                    }
                    continuation.finish()  // dropped, by us or by the bus (too slow), or the bus shut down
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        if case .dropped = continuation.yield(.heartbeat) { continuation.finish() }
                    }
                }
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: SSEFraming.preamble))
            for await item in items.cancelOnGracefulShutdown() {
                switch item {
                case .event(let event): try await writer.write(ByteBuffer(string: SSEFraming.frame(event)))
                case .heartbeat: try await writer.write(ByteBuffer(string: SSEFraming.heartbeat))
                }
            }
            pump.cancel()
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [
            .contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no",
        ], body: body)
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
