import Foundation
import SQLKit
import Events
import Storage
import Synchronization

/// The application settings of API.md, typed, with their defaults.
public struct Settings: Sendable, Equatable, Codable {
    public var generateThumbnails = true
    public var smallGenerationMode = SmallGenerationMode.all
    public var purgeSmallsOnCompletion = false
    public var thumbnailJobBatchSize = 5
    public var thumbnailWorkerInterval = 10
    public var thumbnailMaxRetries = 3
    public var thumbnailCleanupHours = 24
    public var thumbnailQuality = 80
    public var smallQuality = 85
    public var maxSourcePixels = 100_000_000
    public var maxUploadBytes = 52_428_800
    public var timezone = "UTC"

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case generateThumbnails = "generate_thumbnails"
        case smallGenerationMode = "small_generation_mode"
        case purgeSmallsOnCompletion = "purge_smalls_on_completion"
        case thumbnailJobBatchSize = "thumbnail_job_batch_size"
        case thumbnailWorkerInterval = "thumbnail_worker_interval"
        case thumbnailMaxRetries = "thumbnail_max_retries"
        case thumbnailCleanupHours = "thumbnail_cleanup_hours"
        case thumbnailQuality = "thumbnail_quality"
        case smallQuality = "small_quality"
        case maxSourcePixels = "max_source_pixels"
        case maxUploadBytes = "max_upload_bytes"
        case timezone
    }

    /// Every key, in API order.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// The `timezone` setting as a `TimeZone` (validated on write, so never nil in practice).
    public var timeZone: TimeZone { TimeZone(identifier: timezone) ?? .gmt }
}

/// Which frames get an 800×600 small.
public enum SmallGenerationMode: String, Sendable, Codable, CaseIterable {
    case none
    case latestOnly = "latest_only"
    case all
}

/// A setting that failed validation: the key and why.
public struct SettingsValidationError: Error, Sendable, Equatable {
    public var field: String
    public var message: String
}

/// Reads, validates and writes ``Settings``; validation rules live here, persistence in `SettingsStore`.
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
        let settings = Self.decode(stored)
        cache.store(settings)
        return settings
    }

    static func decode(_ stored: [String: String]) -> Settings {
        guard var object = try? JSONDecoder().decode([String: JSONValue].self, from: JSONEncoder().encode(Settings())) else {
            return Settings()
        }
        for (key, text) in stored where object[key] != nil {
            if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) { object[key] = value }
        }
        guard let data = try? JSONEncoder().encode(object), let settings = try? JSONDecoder().decode(Settings.self, from: data)
        else { return Settings() }
        return settings
    }

    /// Applies a partial update. All or nothing: the first invalid key throws ``SettingsValidationError`` and
    /// nothing is written.
    public func update(with patch: [String: JSONValue]) async throws -> Settings {
        let base = try await current()
        let (next, encoded) = try Self.validate(patch, over: base)
        try await database.transaction { db in try await SettingsStore.upsert(db, encoded, at: Date()) }
        cache.store(next)
        return next
    }

    /// Validates a patch over `base`; returns the resulting settings and the JSON text of each changed key.
    static func validate(_ patch: [String: JSONValue], over base: Settings) throws(SettingsValidationError) -> (Settings, [String: String]) {
        var next = base
        var encoded: [String: String] = [:]
        for key in patch.keys.sorted() {
            let value = patch[key]!
            guard let codingKey = Settings.CodingKeys(rawValue: key) else {
                throw SettingsValidationError(field: key, message: "unknown setting")
            }
            switch codingKey {
            case .generateThumbnails: next.generateThumbnails = try bool(value, key)
            case .purgeSmallsOnCompletion: next.purgeSmallsOnCompletion = try bool(value, key)
            case .smallGenerationMode:
                guard case .string(let text) = value, let mode = SmallGenerationMode(rawValue: text) else {
                    throw SettingsValidationError(field: key, message: "must be one of none, latest_only, all")
                }
                next.smallGenerationMode = mode
            case .thumbnailJobBatchSize: next.thumbnailJobBatchSize = try int(value, key, 1...100)
            case .thumbnailWorkerInterval: next.thumbnailWorkerInterval = try int(value, key, 1...3600)
            case .thumbnailMaxRetries: next.thumbnailMaxRetries = try int(value, key, 0...10)
            case .thumbnailCleanupHours: next.thumbnailCleanupHours = try int(value, key, 1...24 * 365)
            case .thumbnailQuality: next.thumbnailQuality = try int(value, key, 1...100)
            case .smallQuality: next.smallQuality = try int(value, key, 1...100)
            case .maxSourcePixels: next.maxSourcePixels = try int(value, key, 1_000_000...1_000_000_000)
            case .maxUploadBytes: next.maxUploadBytes = try int(value, key, 1024...1_073_741_824)
            case .timezone:
                guard case .string(let text) = value, TimeZone(identifier: text) != nil else {
                    throw SettingsValidationError(field: key, message: "must be an IANA time zone such as UTC or Europe/Paris")
                }
                next.timezone = text
            }
            encoded[key] = value.jsonText
        }
        return (next, encoded)
    }

    private static func bool(_ value: JSONValue, _ key: String) throws(SettingsValidationError) -> Bool {
        guard case .bool(let b) = value else { throw SettingsValidationError(field: key, message: "must be true or false") }
        return b
    }

    private static func int(_ value: JSONValue, _ key: String, _ range: ClosedRange<Int>) throws(SettingsValidationError) -> Int {
        guard case .int(let n) = value, range.contains(n) else {
            throw SettingsValidationError(field: key, message: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
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
