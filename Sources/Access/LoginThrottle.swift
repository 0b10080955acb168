import Foundation

/// Consecutive failed logins, per account and per client address. After ``limit`` in a row, every attempt with
/// that account or from that address is refused until a delay has passed — the right password too — and each
/// further failure doubles the delay (30 s, 1 min, 2 min … at most an hour). A success clears both.
public enum LoginThrottle {
    public static let limit = 10

    /// The keys an attempt counts against.
    public static func keys(username: String, address: String?) -> [String] {
        ["user:" + username.lowercased()] + (address.map { ["addr:" + $0] } ?? [])
    }

    /// The lock after `failures` failures in a row (nil below the limit).
    public static func lock(after failures: Int, now: Date) -> Date? {
        guard failures >= limit else { return nil }
        let delay = min(3600, 30 * pow(2, Double(min(failures - limit, 12))))
        return now + delay
    }
}
