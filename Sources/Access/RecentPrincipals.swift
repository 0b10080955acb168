import Foundation
import Synchronization

/// Credentials the database has just confirmed, for the fast image path, which answers on the event loop and so
/// cannot ask the database (docs/PERFORMANCE-serving.md).
///
/// An entry lives ``lifetime`` (5 s, the image resolution cache's own lifetime). Every change this process makes to
/// users, sessions or tokens clears them all; a change made by another process (the `timelapser users` command, a
/// second server on PostgreSQL) is seen within the lifetime. Only the fast path reads them: every other route asks
/// the database each time.
final class RecentPrincipals: Sendable {
    static let lifetime: Duration = .seconds(5)
    static let maxEntries = 10_000

    private struct State {
        var entries: [String: (principal: Principal, until: ContinuousClock.Instant)] = [:]
        /// Bumped by every change, so a lookup that read the database before it cannot remember what it read after.
        var generation = 0
    }
    private let state = Mutex(State())

    /// The generation to hand back to ``remember(_:credential:since:)`` after reading the database.
    var generation: Int { state.withLock { $0.generation } }

    func remember(_ principal: Principal, credential: String, since generation: Int) {
        let until = ContinuousClock.now + Self.lifetime
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.maxEntries { state.entries.removeAll(keepingCapacity: true) }
            state.entries[credential] = (principal, until)
        }
    }

    func principal(credential: String) -> Principal? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[credential] else { return nil }
            guard entry.until > now else {
                state.entries[credential] = nil
                return nil
            }
            return entry.principal
        }
    }

    func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }
}
