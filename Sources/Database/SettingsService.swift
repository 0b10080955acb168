import Foundation
import Synchronization
import TimelapserCore

/// Reads and writes ``Settings``: the rules are `Settings.validate` (TimelapserCore), persistence `SettingsStore`.
///
/// Every capture and every worker claim reads the settings, so they are kept for `maxAge` (one second): a change
/// made through this service is seen at once in this process, and within `maxAge` by other processes.
public struct SettingsService: Sendable {
    let database: TimelapserDatabase
    let cache: SettingsCache

    public init(database: TimelapserDatabase, maxAge: Duration = .seconds(1)) {
        self.database = database
        self.cache = SettingsCache(maxAge: maxAge)
    }

    /// The current settings: defaults overlaid with what is stored.
    public func current() async throws -> Settings {
        if let fresh = cache.fresh() { return fresh }
        let stored = try await database.read { try await SettingsStore.fetchAll($0) }
        let settings = Settings.decode(stored: stored)
        cache.store(settings)
        return settings
    }

    /// Applies a partial update. All or nothing: the first invalid key throws ``SettingsValidationError`` and
    /// nothing is written.
    public func update(with patch: [String: JSONValue]) async throws -> Settings {
        let base = try await current()
        let (next, encoded) = try Settings.validate(patch, over: base)
        try await database.transaction { db in try await SettingsStore.upsert(db, encoded, at: Date()) }
        cache.store(next)
        return next
    }
}

/// The last settings read, with when they were read.
final class SettingsCache: Sendable {
    private let maxAge: Duration
    private let entry = Mutex<(settings: Settings, at: ContinuousClock.Instant)?>(nil)

    init(maxAge: Duration) { self.maxAge = maxAge }

    func fresh() -> Settings? {
        entry.withLock { entry in
            guard let entry, ContinuousClock.now - entry.at < maxAge else { return nil }
            return entry.settings
        }
    }

    func store(_ settings: Settings) {
        entry.withLock { $0 = (settings, .now) }
    }
}
