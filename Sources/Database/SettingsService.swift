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
        let (fresh, generation) = cache.fresh()
        if let fresh { return fresh }
        let stored = try await database.read { try await SettingsStore.fetchAll($0) }
        let settings = Settings.decode(stored: stored)
        cache.store(settings, ifStill: generation)
        return settings
    }

    /// Applies a partial update. All or nothing: the first invalid key throws ``SettingsValidationError`` and
    /// nothing is written.
    public func update(with patch: [String: JSONValue]) async throws -> Settings {
        let base = try await current()
        let (next, encoded) = try Settings.validate(patch, over: base)
        try await database.transaction { db in try await SettingsStore.upsert(db, encoded, at: Date()) }
        cache.replace(with: next)
        return next
    }
}

/// The last settings read, with when they were read.
///
/// A read that started before an update must not store what it read after the update stored its own answer (a
/// worker's claim racing a PATCH left the old time zone cached for a second): every update bumps `generation`, and a
/// read stores only if the generation it started with is still current.
final class SettingsCache: Sendable {
    private struct Entry {
        var settings: Settings?
        var at = ContinuousClock.now
        var generation = 0
    }
    private let maxAge: Duration
    private let entry = Mutex(Entry())

    init(maxAge: Duration) { self.maxAge = maxAge }

    /// The cached settings if fresh, and the generation a read started now should store under.
    func fresh() -> (Settings?, generation: Int) {
        entry.withLock { entry in
            guard let settings = entry.settings, ContinuousClock.now - entry.at < maxAge else { return (nil, entry.generation) }
            return (settings, entry.generation)
        }
    }

    /// Stores what a read found, unless an update happened since the read began.
    func store(_ settings: Settings, ifStill generation: Int) {
        entry.withLock { entry in
            guard entry.generation == generation else { return }
            entry.settings = settings
            entry.at = .now
        }
    }

    /// Stores an update's result; reads begun before it will not overwrite it.
    func replace(with settings: Settings) {
        entry.withLock { entry in
            entry.generation += 1
            entry.settings = settings
            entry.at = .now
        }
    }
}
