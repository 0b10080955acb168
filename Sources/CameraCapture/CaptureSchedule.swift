import Foundation
import TimelapserCore

/// When a camera captures, as pure arithmetic: its window in its time zone, and its slot grid. Slots are the
/// multiples of the interval since the Unix epoch, the same grid in every process (so a lease handover keeps it),
/// and a capture happens at each slot inside the window.
public struct CaptureSchedule: Sendable, Equatable {
    public let window: CaptureWindow
    public let timeZone: TimeZone
    public let intervalSeconds: Int
    /// How far ahead `nextCapture` looks for an open window (a polar night lasts months, never a year).
    public static let horizonDays = 400

    public init(window: CaptureWindow, timeZone: TimeZone, intervalSeconds: Int) {
        self.window = window
        self.timeZone = timeZone
        self.intervalSeconds = max(1, intervalSeconds)
    }

    /// The first slot of the grid at or after `instant`, window aside.
    public func slot(atOrAfter instant: Date) -> Date {
        let step = Double(intervalSeconds)
        return Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / step).rounded(.up) * step)
    }

    /// Whether the window is open at `instant`.
    public func isOpen(at instant: Date) -> Bool {
        if window == .always { return true }
        let today = localDay(of: instant)
        return (-1...1).contains { offset in span(day: today + offset)?.contains(instant) ?? false }
    }

    /// The first slot at or after `instant` inside the window; nil when the window stays closed for the horizon
    /// (a daylight window through a long polar night, a window on no day).
    public func nextCapture(atOrAfter instant: Date) -> Date? {
        if window == .always { return slot(atOrAfter: instant) }
        let today = localDay(of: instant)
        for offset in -1..<Self.horizonDays {
            guard let span = span(day: today + offset), span.upperBound > instant else { continue }
            let candidate = slot(atOrAfter: max(span.lowerBound, instant))
            if candidate < span.upperBound { return candidate }
        }
        return nil
    }

    /// The open span of the window that opens on a local day (days counted from 1970-01-01 in the camera's zone).
    func span(day: Int) -> Range<Date>? {
        let (year, month, dayOfMonth) = Self.civil(fromDays: day)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        func local(_ minutes: Int, plusDays: Int = 0) -> Date? {
            let (y, m, d) = Self.civil(fromDays: day + plusDays)
            return calendar.date(from: DateComponents(year: y, month: m, day: d, hour: minutes / 60, minute: minutes % 60))
        }
        switch window {
        case .always:
            guard let start = local(0), let end = local(0, plusDays: 1) else { return nil }
            return start..<end
        case .time(let start, let end, let days):
            if let days, let opening = local(0), !days.contains(calendar.component(.weekday, from: opening)) { return nil }
            guard let from = local(start), let to = local(end, plusDays: end < start ? 1 : 0), from < to else { return nil }
            return from..<to
        case .daylight(let latitude, let longitude, let riseOffset, let setOffset):
            switch SolarCalculator.day(year: year, month: month, day: dayOfMonth, latitude: latitude, longitude: longitude) {
            case .polarNight:
                return nil
            case .polarDay:
                guard let start = local(0), let end = local(0, plusDays: 1) else { return nil }
                return start..<end
            case .normal(let sunrise, let sunset):
                let from = sunrise.addingTimeInterval(Double(riseOffset) * 60)
                let to = sunset.addingTimeInterval(Double(setOffset) * 60)
                return from < to ? from..<to : nil
            }
        }
    }

    /// The local calendar day of an instant, as days since 1970-01-01.
    func localDay(of instant: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return Self.days(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01 (`civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
