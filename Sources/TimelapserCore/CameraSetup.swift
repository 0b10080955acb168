import Foundation

/// When a camera captures (`capture_window`): always, between two local times on some weekdays, or between
/// sunrise and sunset (with offsets) at a place. Times are in the camera's time zone.
public enum CaptureWindow: Codable, Sendable, Equatable {
    case always
    /// `[start, end)` minutes after local midnight; `end` before `start` wraps midnight (the window belongs to the
    /// day it opens). `days`: weekdays it opens on (1 = Sunday … 7 = Saturday, as `Calendar`), nil for every day.
    case time(start: Int, end: Int, days: Set<Int>?)
    case daylight(latitude: Double, longitude: Double, sunriseOffsetMinutes: Int, sunsetOffsetMinutes: Int)

    public static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    enum Keys: String, CodingKey {
        case mode, start, end, days, latitude, longitude
        case sunriseOffsetMinutes = "sunrise_offset_minutes", sunsetOffsetMinutes = "sunset_offset_minutes"
    }

    /// Decodes the JSON shape (snake_case keys), validating every field; errors are ``SettingsValidationError``s
    /// naming `capture_window.<field>`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        func bad(_ field: String, _ message: String) -> SettingsValidationError {
            SettingsValidationError(field: "capture_window.\(field)", message: message)
        }
        let mode = try c.decodeIfPresent(String.self, forKey: .mode) ?? "always"
        switch mode {
        case "always":
            self = .always
        case "time":
            guard let start = (try? c.decode(String.self, forKey: .start)).flatMap(ClockTime.minutes) else {
                throw bad("start", "must be HH:MM")
            }
            guard let end = (try? c.decode(String.self, forKey: .end)).flatMap(ClockTime.minutes) else {
                throw bad("end", "must be HH:MM")
            }
            guard start != end else { throw bad("end", "must differ from start") }
            var days: Set<Int>?
            if c.contains(.days), !(try c.decodeNil(forKey: .days)) {
                guard let names = try? c.decode([String].self, forKey: .days), !names.isEmpty else {
                    throw bad("days", "must be a non-empty list of sun, mon, tue, wed, thu, fri, sat")
                }
                var set = Set<Int>()
                for name in names {
                    guard let index = Self.weekdayNames.firstIndex(of: name.lowercased()) else {
                        throw bad("days", "must be a non-empty list of sun, mon, tue, wed, thu, fri, sat")
                    }
                    set.insert(index + 1)
                }
                days = set
            }
            self = .time(start: start, end: end, days: days)
        case "daylight":
            guard let latitude = try? c.decode(Double.self, forKey: .latitude), (-90...90).contains(latitude) else {
                throw bad("latitude", "must be a number from -90 to 90")
            }
            guard let longitude = try? c.decode(Double.self, forKey: .longitude), (-180...180).contains(longitude) else {
                throw bad("longitude", "must be a number from -180 to 180")
            }
            func offset(_ key: Keys) throws(SettingsValidationError) -> Int {
                guard let value = try? c.decodeIfPresent(Int.self, forKey: key) ?? 0, (-720...720).contains(value) else {
                    throw bad(key.rawValue, "must be an integer from -720 to 720")
                }
                return value
            }
            let rise = try offset(.sunriseOffsetMinutes)
            let set = try offset(.sunsetOffsetMinutes)
            self = .daylight(latitude: latitude, longitude: longitude, sunriseOffsetMinutes: rise, sunsetOffsetMinutes: set)
        default:
            throw bad("mode", "must be always, time or daylight")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .always:
            try c.encode("always", forKey: .mode)
        case .time(let start, let end, let days):
            try c.encode("time", forKey: .mode)
            try c.encode(ClockTime.string(start), forKey: .start)
            try c.encode(ClockTime.string(end), forKey: .end)
            if let days { try c.encode(days.sorted().map { Self.weekdayNames[$0 - 1] }, forKey: .days) }
        case .daylight(let latitude, let longitude, let rise, let set):
            try c.encode("daylight", forKey: .mode)
            try c.encode(latitude, forKey: .latitude)
            try c.encode(longitude, forKey: .longitude)
            try c.encode(rise, forKey: .sunriseOffsetMinutes)
            try c.encode(set, forKey: .sunsetOffsetMinutes)
        }
    }

    /// A window from a request's JSON value, validated. Decoded with a plain decoder on purpose: the keys are
    /// already snake_case, which a decoder converting from snake case would no longer match (an offset would be
    /// read as absent).
    public static func validated(_ value: JSONValue) throws -> CaptureWindow {
        guard case .object = value else {
            throw SettingsValidationError(field: "capture_window", message: "must be an object {mode, …}")
        }
        return try JSONDecoder().decode(CaptureWindow.self, from: Data(value.jsonText.utf8))
    }

    /// The stored JSON (nil for `always`, the default).
    public var storedJSON: String? {
        if self == .always { return nil }
        return (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Reads ``storedJSON``; nil or unreadable is `always`.
    public static func fromStored(_ json: String?) -> CaptureWindow {
        guard let json, let window = try? JSONDecoder().decode(CaptureWindow.self, from: Data(json.utf8)) else { return .always }
        return window
    }
}

/// A crop rectangle in the stored frame's pixels (before rotation), applied to variants and videos.
public struct CameraCrop: Codable, Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var w: Int
    public var h: Int

    public init(x: Int, y: Int, w: Int, h: Int) {
        self.x = x
        self.y = y
        self.w = w
        self.h = h
    }

    /// Checks the rectangle on its own (a frame smaller than it is cropped to what fits).
    public func validate() throws(SettingsValidationError) {
        guard x >= 0, y >= 0 else { throw SettingsValidationError(field: "crop", message: "x and y must be 0 or more") }
        guard w >= 16, h >= 16, w <= 100_000, h <= 100_000 else {
            throw SettingsValidationError(field: "crop", message: "w and h must be from 16 to 100000")
        }
    }

    public var storedJSON: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }

    public static func fromStored(_ json: String?) -> CameraCrop? {
        json.flatMap { try? JSONDecoder().decode(CameraCrop.self, from: Data($0.utf8)) }
    }
}

/// Rotations a camera may ask for.
public enum CameraRotation {
    public static let allowed: Set<Int> = [0, 90, 180, 270]
}
