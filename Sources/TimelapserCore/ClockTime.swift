import Foundation

/// A local time of day written "HH:MM" (capture windows, render selections, automation), as minutes after midnight.
public enum ClockTime {
    /// "HH:MM" → minutes after midnight; nil for anything else.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }

    /// Minutes after midnight → "HH:MM".
    public static func string(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
}
