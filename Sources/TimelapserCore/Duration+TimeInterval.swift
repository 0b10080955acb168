import Foundation

extension Duration {
    /// Seconds as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// Milliseconds as a `Double`.
    public var milliseconds: Double { timeInterval * 1000 }
}
