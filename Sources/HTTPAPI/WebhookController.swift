import Hummingbird
import TimelapserCore

extension OpenAPIDocument {
    /// Webhooks (filled in by their controller).
    static let webhookOperations: [APIOperation] = []
}
