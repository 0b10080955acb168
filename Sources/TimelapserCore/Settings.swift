import Foundation

/// The application settings (`GET|PATCH /api/settings`), typed, with their defaults.
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
    /// Video renders one worker process runs at once.
    public var maxConcurrentRenders = 1
    /// Failed grabs in a row after which a camera is down (an outage starts).
    public var outageAfterFailures = 2
    /// Free space kept on the data volume: below it captures are refused (507) and thumbnail work waits. nil:
    /// 1 GiB or 2 % of the volume, whichever is smaller.
    @AlwaysPresent public var minFreeDiskBytes: Int? = nil
    /// The default retention policy (off unless a user turns it on); a camera's own overrides it.
    public var retention = RetentionPolicy.off
    /// Cleanup and repair refuse to delete more than this share of the variant files they scanned, unless forced.
    public var cleanupMaxDeletePercent = 50
    /// `GET /metrics` without signing in (users mode): for a Prometheus that has no credentials.
    public var publicMetrics = false
    /// Audit log entries are kept this many days.
    public var auditRetentionDays = 90
    /// Memory kept for the bytes of recently served thumbnails and smalls (least recently used leave first); 0 turns
    /// the byte cache off (conditional requests are still answered from memory).
    public var servingCacheBytes = 64 << 20
    /// The formats thumbnails and smalls are written in: JPEG always, WebP beside it when listed (served to clients
    /// whose `Accept` takes it).
    public var variantFormats: [VariantFormat] = [.jpeg]

    public init() {}

    /// Whether WebP companions are written (and served).
    public var writesWebP: Bool { variantFormats.contains(.webp) }

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
        case maxConcurrentRenders = "max_concurrent_renders"
        case outageAfterFailures = "outage_after_failures"
        case minFreeDiskBytes = "min_free_disk_bytes"
        case retention
        case cleanupMaxDeletePercent = "cleanup_max_delete_percent"
        case publicMetrics = "public_metrics"
        case auditRetentionDays = "audit_retention_days"
        case servingCacheBytes = "serving_cache_bytes"
        case variantFormats = "variant_formats"
    }

    /// Every key, in API order.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// The `timezone` setting as a `TimeZone` (validated on write, so never nil in practice).
    public var timeZone: TimeZone { TimeZone(identifier: timezone) ?? .gmt }

    /// The free space to keep on a volume of `totalBytes`: the setting, or min(1 GiB, 2 % of the volume).
    public func diskReserve(totalBytes: Int64) -> Int64 {
        if let minFreeDiskBytes { return Int64(minFreeDiskBytes) }
        return min(1 << 30, totalBytes / 50)
    }
}

/// A format variants are written in.
public enum VariantFormat: String, Sendable, Codable, CaseIterable {
    case jpeg
    case webp

    /// The WebP companion of a JPEG variant: the same path with `.webp` for `.jpg` (written when `variant_formats` lists
    /// WebP).
    public static func webpPath(forVariantPath variantPath: String) -> String {
        (variantPath.hasSuffix(".jpg") ? String(variantPath.dropLast(4)) : variantPath) + ".webp"
    }

    /// `["jpeg"]` or `["jpeg", "webp"]`: JPEG is always written (every client takes it), so it must be listed.
    static func validated(_ value: JSONValue, _ key: String) throws(SettingsValidationError) -> [VariantFormat] {
        let message = "must be [\"jpeg\"] or [\"jpeg\", \"webp\"]"
        guard case .array(let items) = value else { throw SettingsValidationError(field: key, message: message) }
        var formats: [VariantFormat] = []
        for item in items {
            guard case .string(let text) = item, let format = VariantFormat(rawValue: text), !formats.contains(format) else {
                throw SettingsValidationError(field: key, message: message)
            }
            formats.append(format)
        }
        guard formats.first == .jpeg else { throw SettingsValidationError(field: key, message: message) }
        return formats
    }
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

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}


extension Settings {
    /// The defaults overlaid with stored values (key → JSON text); a stored value that no longer decodes is
    /// ignored, so an old database never stops the server.
    public static func decode(stored: [String: String]) -> Settings {
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

    /// Validates a patch over `base`; returns the resulting settings and the JSON text of each changed key.
    public static func validate(_ patch: [String: JSONValue], over base: Settings) throws(SettingsValidationError) -> (Settings, [String: String]) {
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
            case .maxConcurrentRenders: next.maxConcurrentRenders = try int(value, key, 1...16)
            case .outageAfterFailures: next.outageAfterFailures = try int(value, key, 1...1000)
            case .minFreeDiskBytes:
                if case .null = value {
                    next.minFreeDiskBytes = nil
                } else {
                    next.minFreeDiskBytes = try int(value, key, 0...(1 << 50))
                }
            case .retention: next.retention = try RetentionPolicy.validated(value)
            case .cleanupMaxDeletePercent: next.cleanupMaxDeletePercent = try int(value, key, 1...100)
            case .publicMetrics: next.publicMetrics = try bool(value, key)
            case .auditRetentionDays: next.auditRetentionDays = try int(value, key, 1...3650)
            case .servingCacheBytes: next.servingCacheBytes = try int(value, key, 0...(16 << 30))
            case .variantFormats: next.variantFormats = try VariantFormat.validated(value, key)
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

