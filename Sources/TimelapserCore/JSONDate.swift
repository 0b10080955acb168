import Foundation

/// JSON spelling of dates: ISO 8601 with fractional seconds, UTC.
public enum JSONDate {
    public static func string(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// Parses ISO 8601 with or without fractional seconds or a zone (UTC assumed without one).
    public static func parse(_ text: String) -> Date? {
        if let d = try? Date(text, strategy: .iso8601) { return d }
        if let d = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) { return d }
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return d }
        if let d = try? Date(text + "Z", strategy: .iso8601) { return d }
        return nil
    }
}
