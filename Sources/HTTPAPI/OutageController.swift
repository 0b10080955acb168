import Hummingbird
import TimelapserCore

extension OpenAPIDocument {
    /// Camera outages (filled in by their controller).
    static let outageOperations: [APIOperation] = []
}
