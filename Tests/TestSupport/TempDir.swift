import Foundation

/// A fresh folder under the system's temporary directory; `cleanup()` removes it.
public struct TempDir: Sendable {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "timelapser-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }

    /// The names in the folder, sorted.
    public func list() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}
