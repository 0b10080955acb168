import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its standard streams on files, reaped with `waitpid` on its own pid.
///
/// The test harness's children (the `timelapser` binary as a server or a command) start here, not through
/// Foundation's `Process`, whose `run()` crashed in its argument copying while the test process held hundreds of
/// threads (a `memcpy` past a page, twice in full runs). Arguments and environment are copied into C strings here,
/// before the spawn.
public final class ChildProcess: Sendable {
    public let pid: Int32
    private let exitStatus = Mutex<Int32?>(nil)

    /// `stdinPath` nil: `/dev/null`. `stderrPath` nil: the same file as standard output.
    public init(executable: String, arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                stdinPath: String? = nil, stdoutPath: String, stderrPath: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderrPath {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw TestSetupError("cannot start \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

    deinit {
        // Never leave a zombie: a child still running is killed and reaped, on a thread of its own (a killed child can
        // take a while to go, and no task thread may wait for it).
        if exitStatus.withLock({ $0 }) == nil {
            let pid = pid
            kill(pid, SIGKILL)
            Thread.detachNewThread {
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
            }
        }
    }

    /// Reaps the child if it has exited (no wait).
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit code, or 128 + the signal that ended it; nil while it runs.
    public var terminationStatus: Int32? { reap(blocking: false) }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits up to `timeout` for the exit (polling, so no thread blocks); the status, or nil when it still runs.
    @discardableResult
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = reap(blocking: false) { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return reap(blocking: false)
    }

    private func reap(blocking: Bool) -> Int32? {
        exitStatus.withLock { known in
            if let known { return known }
            var status: Int32 = 0
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            guard result == pid else { return nil }
            let low = status & 0x7F
            known = low == 0 ? (status >> 8) & 0xFF : 128 + low
            return known
        }
    }
}
