import Foundation

/// Growth per day and days until the volume is full, from what was added and freed over a recent window.
public struct StorageForecast: Sendable, Equatable {
    /// Net bytes per day (may be negative when retention frees more than is captured).
    public var growthBytesPerDay: Int64
    /// nil when storage is not growing.
    public var daysUntilFull: Double?
    public var windowDays: Double

    /// The longest window looked back over.
    public static let window: TimeInterval = 7 * 86_400

    /// - Parameters:
    ///   - addedBytes: bytes captured and rendered within the window.
    ///   - freedBytes: bytes retention freed within the window.
    ///   - historyStart: when the oldest timelapse started: a younger installation's window is shorter (at least
    ///     an hour), so a two-day-old camera is not read as growing at 2/7 of its rate.
    ///   - freeBytes: free space on the data volume now.
    public init(addedBytes: Int64, freedBytes: Int64, historyStart: Date?, freeBytes: Int64, now: Date) {
        let history = historyStart.map { now.timeIntervalSince($0) } ?? 0
        let seconds = max(3600, min(Self.window, history))
        windowDays = seconds / 86_400
        growthBytesPerDay = Int64((Double(addedBytes - freedBytes) / windowDays).rounded())
        daysUntilFull = growthBytesPerDay > 0 ? Double(max(0, freeBytes)) / Double(growthBytesPerDay) : nil
    }
}
