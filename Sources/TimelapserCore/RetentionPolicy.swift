import Foundation

/// How old frames are thinned instead of kept for ever (`retention`): the global default in the settings, a
/// camera's own override on the camera. Off by default. Ages count back from now; a tier whose field is absent or
/// null is skipped.
///
/// From newest to oldest: every frame younger than ``keepAllDays`` is kept; then, until ``thinDays``, frames are
/// thinned to ``thinToPerHour`` per hour, evenly spaced; older ones to ``perDay`` per day (nearest to
/// ``PerDay/near`` when set). ``maxBytes`` then thins the oldest tier further while the camera is over budget.
public struct RetentionPolicy: Codable, Sendable, Equatable {
    /// Frames kept per local day in the oldest tier.
    public struct PerDay: Codable, Sendable, Equatable {
        public var count: Int
        /// Minutes after local midnight the kept frames are nearest to; nil spreads them evenly over the day.
        public var near: Int?

        public init(count: Int, near: Int? = nil) {
            self.count = count
            self.near = near
        }

        enum Keys: String, CodingKey { case count, near }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            guard let count = try? c.decode(Int.self, forKey: .count), (1...1440).contains(count) else {
                throw SettingsValidationError(field: "retention.per_day.count", message: "must be an integer from 1 to 1440")
            }
            self.count = count
            if c.contains(.near), !(try c.decodeNil(forKey: .near)) {
                guard let text = try? c.decode(String.self, forKey: .near), let minutes = ClockTime.minutes(text) else {
                    throw SettingsValidationError(field: "retention.per_day.near", message: "must be HH:MM")
                }
                near = minutes
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(count, forKey: .count)
            try c.encode(near.map(ClockTime.string), forKey: .near)
        }
    }

    public var enabled: Bool
    public var keepAllDays: Int?
    public var thinToPerHour: Int?
    public var thinDays: Int?
    public var perDay: PerDay?
    public var maxBytes: Int64?
    public var videoRetentionDays: Int?

    /// Retention off: nothing is ever deleted by it.
    public static let off = RetentionPolicy(enabled: false)

    public init(enabled: Bool, keepAllDays: Int? = nil, thinToPerHour: Int? = nil, thinDays: Int? = nil, perDay: PerDay? = nil,
                maxBytes: Int64? = nil, videoRetentionDays: Int? = nil) {
        self.enabled = enabled
        self.keepAllDays = keepAllDays
        self.thinToPerHour = thinToPerHour
        self.thinDays = thinDays
        self.perDay = perDay
        self.maxBytes = maxBytes
        self.videoRetentionDays = videoRetentionDays
    }

    enum Keys: String, CodingKey {
        case enabled
        case keepAllDays = "keep_all_days", thinToPerHour = "thin_to_per_hour", thinDays = "thin_days", perDay = "per_day"
        case maxBytes = "max_bytes", videoRetentionDays = "video_retention_days"
    }

    /// Decodes the JSON shape (snake_case keys), validating every field; errors are ``SettingsValidationError``s
    /// naming `retention.<field>`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        func bad(_ key: Keys, _ message: String) -> SettingsValidationError {
            SettingsValidationError(field: "retention.\(key.rawValue)", message: message)
        }
        guard let enabled = try? c.decode(Bool.self, forKey: .enabled) else { throw bad(.enabled, "must be true or false") }
        self.enabled = enabled
        func int(_ key: Keys, _ range: ClosedRange<Int>) throws(SettingsValidationError) -> Int? {
            guard c.contains(key), (try? c.decodeNil(forKey: key)) == false else { return nil }
            guard let value = try? c.decode(Int.self, forKey: key), range.contains(value) else {
                throw bad(key, "must be null or an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        keepAllDays = try int(.keepAllDays, 0...36_500)
        thinToPerHour = try int(.thinToPerHour, 1...3600)
        thinDays = try int(.thinDays, 0...36_500)
        videoRetentionDays = try int(.videoRetentionDays, 1...36_500)
        maxBytes = try int(.maxBytes, 1...Int(Int64.max / 2)).map(Int64.init)
        if c.contains(.perDay), (try? c.decodeNil(forKey: .perDay)) == false {
            do {
                perDay = try c.decode(PerDay.self, forKey: .perDay)
            } catch let error as SettingsValidationError {
                throw error
            } catch {
                throw bad(.perDay, "must be an object {count, near?}")
            }
        }
        if let thinDays, let keepAllDays, thinDays < keepAllDays {
            throw bad(.thinDays, "must be at least keep_all_days")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(keepAllDays, forKey: .keepAllDays)
        try c.encode(thinToPerHour, forKey: .thinToPerHour)
        try c.encode(thinDays, forKey: .thinDays)
        try c.encode(perDay, forKey: .perDay)
        try c.encode(maxBytes, forKey: .maxBytes)
        try c.encode(videoRetentionDays, forKey: .videoRetentionDays)
    }

    /// A policy from a request's JSON value, validated. Decoded with a plain decoder on purpose: the keys are
    /// already snake_case, which a decoder converting from snake case would no longer match.
    public static func validated(_ value: JSONValue) throws(SettingsValidationError) -> RetentionPolicy {
        guard case .object = value else {
            throw SettingsValidationError(field: "retention", message: "must be an object {enabled, keep_all_days?, thin_to_per_hour?, "
                                          + "thin_days?, per_day?, max_bytes?, video_retention_days?}")
        }
        do {
            return try JSONDecoder().decode(RetentionPolicy.self, from: Data(value.jsonText.utf8))
        } catch let error as SettingsValidationError {
            throw error
        } catch {
            throw SettingsValidationError(field: "retention", message: "must be a retention object")
        }
    }

    /// The stored JSON.
    public var storedJSON: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }

    /// Reads ``storedJSON``; nil or unreadable is nil (the camera follows the default).
    public static func fromStored(_ json: String?) -> RetentionPolicy? {
        json.flatMap { try? JSONDecoder().decode(RetentionPolicy.self, from: Data($0.utf8)) }
    }
}
