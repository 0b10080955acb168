import Synchronization

/// Runs one grab with a hard deadline, and bounds how long a cancelled grab may take to tear down.
///
/// At the deadline (or when the caller is cancelled) the grab's task is cancelled; Subprocess's teardown then
/// kills the ffmpeg child and the grab's own `defer` removes its input file. That teardown normally takes
/// milliseconds, and the deadline waits for it so nothing is left behind. It waits at most `teardownGrace` more:
/// a child whose exit is never reported must not hold a server's shutdown (or a camera's schedule) for ever.
struct GrabDeadline<T: Sendable>: Sendable {
    let timeout: Duration
    let teardownGrace: Duration
    let timedOutError: any Error

    /// The grab's value, its error, `timedOutError` at the deadline, or `CancellationError` when the caller was
    /// cancelled first.
    func run(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await body() }
        let race = Race<T>()
        let timedOut = Mutex(false)
        let grace = teardownGrace
        // Wait for the work itself; when it answers, it wins.
        let waiter = Task { race.finish(await work.result) }
        let watchdog = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            timedOut.withLock { $0 = true }
            work.cancel()
            guard (try? await Task.sleep(for: grace)) != nil else { return }
            race.finish(nil)
        }
        let outcome = await withTaskCancellationHandler {
            await race.value()
        } onCancel: {
            work.cancel()
            Task {
                try? await Task.sleep(for: grace)
                race.finish(nil)
            }
        }
        watchdog.cancel()
        _ = waiter
        if timedOut.withLock({ $0 }) { throw timedOutError }
        guard let outcome else { throw CancellationError() }
        return try outcome.get()
    }
}

/// The first of several answers, delivered once to one waiter whichever comes first.
private final class Race<T: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Result<T, any Error>?, Never>?)
        case answered(Result<T, any Error>?)
        case delivered
    }
    private let state = Mutex(State.waiting(nil))

    /// Records `answer` unless one came first; `nil` means "gave up waiting".
    func finish(_ answer: Result<T, any Error>?) {
        let continuation: CheckedContinuation<Result<T, any Error>?, Never>? = state.withLock { state in
            switch state {
            case .waiting(let continuation?):
                state = .delivered
                return continuation
            case .waiting(nil):
                state = .answered(answer)
                return nil
            case .answered, .delivered:
                return nil
            }
        }
        continuation?.resume(returning: answer)
    }

    /// The first answer.
    func value() async -> Result<T, any Error>? {
        await withCheckedContinuation { continuation in
            let ready: Result<T, any Error>?? = state.withLock { state in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return .none
                case .answered(let answer):
                    state = .delivered
                    return .some(answer)
                case .delivered:
                    return .some(nil)
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
