import Hummingbird
import Logging
import TimelapserCore

/// The request context of every route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Upload bodies are limited per route (captures read `max_upload_bytes`); this is only the outer bound.
    public var maxUploadSize: Int { 1 << 30 }
}
