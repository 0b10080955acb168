import Foundation

/// One `Process.run()` at a time in the test process.
///
/// Foundation's `Process.run()` on Linux is not safe to call from two threads at once: two suites launching children
/// in parallel crashed in its argument copying (`memcpy` under `Process.run`). The server's own children go through
/// swift-subprocess; only the test harness uses `Process`, and launches are rare, so a lock costs nothing.
private let launchLock = NSLock()

extension Process {
    /// `run()`, serialised with every other launch of the test process.
    public func launchSerialized() throws {
        launchLock.lock()
        defer { launchLock.unlock() }
        try run()
    }
}
