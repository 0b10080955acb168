import Synchronization

/// The renders running in this process, so that a cancel reaches its render at once rather than at the next
/// heartbeat, and the worker knows why a render stopped.
public final class ActiveRenders: Sendable {
    /// Why a running render was stopped.
    public enum StopReason: Sendable, Equatable {
        case cancelled
        case leaseLost
    }

    private struct Entry {
        var cancel: @Sendable () -> Void
        var reason: StopReason?
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    public init() {}

    public var count: Int { entries.withLock { $0.count } }

    func register(_ id: Int64, cancel: @escaping @Sendable () -> Void) {
        entries.withLock { $0[id] = Entry(cancel: cancel, reason: nil) }
    }

    /// Removes a finished render; returns why it was stopped, if it was.
    func finish(_ id: Int64) -> StopReason? {
        entries.withLock { $0.removeValue(forKey: id)?.reason }
    }

    /// Stops a render of this process now; false when it does not run here.
    @discardableResult
    public func stop(_ id: Int64, reason: StopReason) -> Bool {
        let cancel: (@Sendable () -> Void)? = entries.withLock { entries in
            guard entries[id] != nil else { return nil }
            if entries[id]!.reason == nil { entries[id]!.reason = reason }
            return entries[id]!.cancel
        }
        cancel?()
        return cancel != nil
    }
}
