import Hummingbird
import TimelapserCore

extension OpenAPIDocument {
    /// Capture now and camera tests (filled in by their controller).
    static let cameraOperationsOperations: [APIOperation] = []
}
