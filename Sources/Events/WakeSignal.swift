/// Wakes a waiting loop at once; a signal sent while nobody waits is kept (once) for the next wait.
public final class WakeSignal: Sendable {
    private let state = State()

    public init() {}

    /// Wakes the waiter now, or the next one.
    public func signal() {
        Task { await state.signal() }
    }

    /// Returns when signalled or after `timeout`, whichever comes first.
    public func wait(timeout: Duration) async {
        let token = await state.prepare()
        guard let token else { return }
        let sleeper = Task { [state] in
            try? await Task.sleep(for: timeout)
            await state.fire(token)
        }
        await state.suspend(token)
        sleeper.cancel()
    }

    private actor State {
        var pending = false
        var nextToken: UInt64 = 0
        var waiting: (token: UInt64, continuation: CheckedContinuation<Void, Never>?)?
        var fired: Set<UInt64> = []

        func signal() {
            if let current = waiting {
                fire(current.token)
            } else {
                pending = true
            }
        }

        /// nil when a kept signal satisfies the wait at once.
        func prepare() -> UInt64? {
            if pending {
                pending = false
                return nil
            }
            nextToken += 1
            waiting = (nextToken, nil)
            return nextToken
        }

        func suspend(_ token: UInt64) async {
            if fired.remove(token) != nil { return }
            await withCheckedContinuation { continuation in
                if waiting?.token == token {
                    waiting = (token, continuation)
                } else {
                    continuation.resume()
                }
            }
        }

        func fire(_ token: UInt64) {
            guard let current = waiting, current.token == token else { return }
            waiting = nil
            if let continuation = current.continuation {
                continuation.resume()
            } else {
                fired.insert(token)
            }
        }
    }
}
