import Synchronization

/// Grabbed frames refused by corruption detection, per camera, since this process started. They are not stored,
/// so this count (with the log and `last_error`) is the only trace of a camera sending blank or broken frames.
public final class RejectedFrameCounter: Sendable {
    private let counts = Mutex<[Int64: Int]>([:])

    public init() {}

    /// Adds one rejection for `cameraId`; returns the new total.
    @discardableResult
    public func record(cameraId: Int64) -> Int {
        counts.withLock { counts in
            counts[cameraId, default: 0] += 1
            return counts[cameraId]!
        }
    }

    /// Rejections counted for `cameraId`.
    public func count(cameraId: Int64) -> Int {
        counts.withLock { $0[cameraId] ?? 0 }
    }
}
