#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOPosix

/// The threads that decode a render's frames ahead of the encoder: below normal CPU priority (nice 10, like the
/// encoder), so a render uses idle cores and never delays thumbnail work.
public final class RenderDecodePool: Sendable {
    let pool: NIOThreadPool
    public let threads: Int

    /// `threads` defaults to one less than the cores (the encoder has its own), at least 1, at most 8.
    public init(threads: Int? = nil) {
        self.threads = threads ?? min(8, max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
        pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Runs blocking `work` on a decode thread.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive {
            Self.lowerPriority()
            return try work()
        }
    }

    /// Nice 10 for the calling thread: on Linux the nice value is per thread, and `who == 0` names the caller.
    /// Once per thread; an unprivileged thread cannot go back up.
    static func lowerPriority() {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        if getpriority(which, 0) < 10 { setpriority(which, 0, 10) }
        #endif
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
