import Database
import Foundation
import TimelapserCore

/// Which of a camera's frames a ``RetentionPolicy`` deletes now: a pure function of the frames, the policy, the
/// clock and the camera's time zone (hours and days are local).
///
/// Tiers, newest to oldest: keep-all (younger than `keep_all_days`), thinned (to `thin_to_per_hour` per hour until
/// `thin_days`), per-day (`per_day`, older than `thin_days`, or than `keep_all_days` when there is no thinned tier).
/// A frame between tiers that have no rule is kept. `max_bytes` then thins the oldest tier further — every other
/// remaining frame, oldest first, pass after pass — before a newer tier is touched. Frames of protected timelapses
/// (a render is using them) are never chosen; the caller leaves the camera's newest frame out of `frames`.
public struct RetentionPlan: Sendable {
    /// The frames to delete, oldest first.
    public var deletions: [RetentionFrameRow]

    public var bytes: Int64 { deletions.reduce(0) { $0 + $1.bytes } }

    /// - Parameters:
    ///   - frames: the camera's frames, oldest first (all of them when `max_bytes` is set, else at least those older
    ///     than the keep-all tier).
    ///   - totalBytes: the camera's frames and variants in bytes, for `max_bytes`.
    ///   - protected: timelapses whose frames must stay (a render is queued or running).
    public init(frames: [RetentionFrameRow], policy: RetentionPolicy, now: Date, timeZone: TimeZone,
                totalBytes: Int64, protected: Set<Int64> = []) {
        let tiers = Tiers(policy: policy, now: now)
        func deletable(_ frame: RetentionFrameRow) -> Bool { !protected.contains(frame.timelapseId) }
        var tierOf: [Int] = frames.map { tiers.tier(of: $0.capturedAt) }
        var deleted = Set<Int>()
        let zone = timeZone

        if let perHour = policy.thinToPerHour {
            let indices = frames.indices.filter { tierOf[$0] == Tiers.thinned }
            let kept = Self.keep(indices, of: frames, perBucket: perHour, bucket: { Self.hourStart($0, zone) }, length: 3600,
                                 near: nil)
            deleted.formUnion(indices.filter { !kept.contains($0) && deletable(frames[$0]) })
        }
        if let perDay = policy.perDay {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let indices = frames.indices.filter { tierOf[$0] == Tiers.perDay }
            let kept = Self.keep(indices, of: frames, perBucket: perDay.count, bucket: { calendar.startOfDay(for: $0) }, length: nil,
                                 near: perDay.near, calendar: calendar)
            deleted.formUnion(indices.filter { !kept.contains($0) && deletable(frames[$0]) })
        }
        if let maxBytes = policy.maxBytes {
            var remaining = totalBytes - deleted.reduce(0) { $0 + frames[$1].bytes }
            // Oldest tier first; within a tier, halve what is left, oldest first, until under budget.
            tierLoop: for tier in [Tiers.perDay, Tiers.kept, Tiers.thinned, Tiers.keepAll] where remaining > maxBytes {
                while remaining > maxBytes {
                    let left = frames.indices.filter { tierOf[$0] == tier && !deleted.contains($0) && deletable(frames[$0]) }
                    if left.isEmpty { continue tierLoop }
                    let pass = left.count == 1 ? left : stride(from: 1, to: left.count, by: 2).map { left[$0] }
                    for index in pass {
                        deleted.insert(index)
                        tierOf[index] = -1
                        remaining -= frames[index].bytes
                        if remaining <= maxBytes { break tierLoop }
                    }
                }
            }
        }
        deletions = deleted.sorted().map { frames[$0] }
    }

    /// The start of the local hour holding `date`.
    static func hourStart(_ date: Date, _ zone: TimeZone) -> Date {
        let offset = Double(zone.secondsFromGMT(for: date))
        let local = date.timeIntervalSince1970 + offset
        return Date(timeIntervalSince1970: (local / 3600).rounded(.down) * 3600 - offset)
    }

    /// In each bucket, the frames nearest to `perBucket` targets: evenly spaced (at the middle of equal slices of
    /// the bucket), or all at `near` minutes after the bucket's start (the frames nearest to that time).
    static func keep(_ indices: [Int], of frames: [RetentionFrameRow], perBucket: Int, bucket: (Date) -> Date, length: TimeInterval?,
                     near: Int?, calendar: Calendar? = nil) -> Set<Int> {
        var kept = Set<Int>()
        var groups: [(start: Date, members: [Int])] = []
        for index in indices {
            let start = bucket(frames[index].capturedAt)
            if groups.last?.start == start { groups[groups.count - 1].members.append(index) } else { groups.append((start, [index])) }
        }
        for (start, members) in groups {
            if members.count <= perBucket {
                kept.formUnion(members)
                continue
            }
            // A local day is 23 to 25 hours long: measure it rather than assume 24.
            let span = length ?? calendar.flatMap { $0.date(byAdding: .day, value: 1, to: start) }.map { $0.timeIntervalSince(start) } ?? 86_400
            let targets: [Date] = near.map { minutes in
                let anchor = calendar?.date(bySettingHour: minutes / 60, minute: minutes % 60, second: 0, of: start)
                    ?? start + Double(minutes * 60)
                return Array(repeating: anchor, count: perBucket)
            } ?? (0..<perBucket).map { start + (Double($0) + 0.5) * span / Double(perBucket) }
            var free = Set(members)
            for target in targets {
                // The nearest frame still free; on a tie, the earlier one.
                guard let best = free.min(by: { a, b in
                    let da = abs(frames[a].capturedAt.timeIntervalSince(target)), db = abs(frames[b].capturedAt.timeIntervalSince(target))
                    return da != db ? da < db : a < b
                }) else { break }
                free.remove(best)
                kept.insert(best)
            }
        }
        return kept
    }
}

/// The age boundaries of a policy's tiers.
struct Tiers {
    static let keepAll = 3, thinned = 2, kept = 1, perDay = 0

    /// Frames at or after this are kept whole.
    let keepAllFrom: Date
    /// The thinned tier spans [thinnedFrom, keepAllFrom) when the policy thins (nil: back to the first frame).
    let thinnedFrom: Date?
    let thins: Bool
    /// The per-day tier is everything before this (nil: no per-day tier).
    let perDayBefore: Date?

    init(policy: RetentionPolicy, now: Date) {
        keepAllFrom = now - Double(policy.keepAllDays ?? 0) * 86_400
        thins = policy.thinToPerHour != nil
        let thinEnd = policy.thinDays.map { now - Double($0) * 86_400 }
        thinnedFrom = thinEnd
        // Without a thinned tier, per-day starts where thin_days says, else right after keep-all; with one that has
        // no end, there is no per-day tier.
        perDayBefore = policy.perDay == nil ? nil : thinEnd ?? (thins ? nil : keepAllFrom)
    }

    func tier(of date: Date) -> Int {
        if date >= keepAllFrom { return Self.keepAll }
        if let perDayBefore, date < perDayBefore { return Self.perDay }
        if thins, date >= (thinnedFrom ?? .distantPast) { return Self.thinned }
        return Self.kept
    }
}
