import Access
import Hummingbird
import Logging
import NIOCore
import TimelapserCore

/// The request context of every route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling, once ``AccessMiddleware`` has authenticated them (users mode); nil otherwise.
    public var principal: Principal?
    /// The client's address as the connection gives it (throttling and the audit log).
    public var clientAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Upload bodies are limited per route (captures read `max_upload_bytes`); this is only the outer bound.
    public var maxUploadSize: Int { 1 << 30 }
}
