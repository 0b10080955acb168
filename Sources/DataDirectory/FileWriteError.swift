#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file system call under the data directory failed: what was attempted and the system's reason.
public struct FileWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// E.g. "cannot rename to /data/…: No space left on device".
    public let message: String
    /// The `errno` of the failed call.
    public let code: Int32

    /// Captures `errno` now, so call it right after the failed call.
    init(_ action: String, code: Int32 = errno) {
        self.code = code
        self.message = "\(action): \(String(cString: strerror(code)))"
    }

    public var description: String { message }
}
