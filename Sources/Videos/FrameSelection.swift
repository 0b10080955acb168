import Database
import Foundation

/// The selection rules of a render, applied in order to a timelapse's frames (already limited to `from`/`to`):
/// time of day, then frames per day, then every n-th. Pure: the same frames and spec always select the same set.
public enum FrameSelection {
    public static func select(_ frames: [RenderFrameRecord], spec: RenderSpec, timeZone: TimeZone) -> [RenderFrameRecord] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var selected = frames
        if let window = spec.timeOfDay {
            selected = selected.filter { contains(window, minute: minuteOfDay($0.capturedAt, calendar)) }
        }
        if let rule = spec.perDay {
            selected = perDay(selected, count: rule.count, nearMinute: rule.nearMinute, calendar: calendar)
        }
        if spec.everyNth > 1 {
            selected = selected.enumerated().filter { $0.offset % spec.everyNth == 0 }.map(\.element)
        }
        return selected
    }

    static func minuteOfDay(_ date: Date, _ calendar: Calendar) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// `[start, end)` in minutes; a window whose end is before its start wraps midnight.
    static func contains(_ window: (start: Int, end: Int), minute: Int) -> Bool {
        window.start < window.end ? (minute >= window.start && minute < window.end)
                                  : (minute >= window.start || minute < window.end)
    }

    /// The `count` frames of each local day nearest to `nearMinute` (ties to the earlier frame), kept in capture order.
    static func perDay(_ frames: [RenderFrameRecord], count: Int, nearMinute: Int, calendar: Calendar) -> [RenderFrameRecord] {
        var byDay: [DateComponents: [RenderFrameRecord]] = [:]
        var dayOrder: [DateComponents] = []
        for frame in frames {
            let day = calendar.dateComponents([.year, .month, .day], from: frame.capturedAt)
            if byDay[day] == nil { dayOrder.append(day) }
            byDay[day, default: []].append(frame)
        }
        var kept: [RenderFrameRecord] = []
        for day in dayOrder {
            let dayFrames = byDay[day]!
            guard let start = calendar.date(from: day) else { continue }
            // The instant of `near` that day (daylight saving days included).
            let target = calendar.date(byAdding: .minute, value: nearMinute, to: start) ?? start
            let nearest = dayFrames.sorted {
                let a = abs($0.capturedAt.timeIntervalSince(target)), b = abs($1.capturedAt.timeIntervalSince(target))
                return a != b ? a < b : ($0.capturedAt, $0.id) < ($1.capturedAt, $1.id)
            }.prefix(count)
            kept.append(contentsOf: nearest.sorted { ($0.capturedAt, $0.id) < ($1.capturedAt, $1.id) })
        }
        return kept
    }
}
