import Database
import Foundation
@testable import StoragePlanning
import Testing
import TimelapserCore

@Suite("Retention plans thin by tier, in local time")
struct RetentionPlanTests {
    /// 2026-11-30 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_003_200)
    static let utc = TimeZone(identifier: "UTC")!

    /// One frame every `step` seconds for `days` days back from `now`, 100 bytes each, oldest first.
    static func frames(days: Int, step: TimeInterval = 300, timelapse: Int64 = 1) -> [RetentionFrameRow] {
        let count = Int(Double(days) * 86_400 / step)
        return (0..<count).reversed().map { i in
            RetentionFrameRow(id: Int64(count - i), timelapseId: timelapse, capturedAt: now - Double(i + 1) * step, bytes: 100)
        }
    }

    static func plan(_ frames: [RetentionFrameRow], _ policy: RetentionPolicy, protected: Set<Int64> = []) -> RetentionPlan {
        RetentionPlan(frames: frames, policy: policy, now: now, timeZone: utc, totalBytes: Int64(frames.count) * 100, protected: protected)
    }

    @Test("keep-all keeps every young frame; the thinned tier keeps K per hour, spread over the hour")
    func thinning() {
        let frames = Self.frames(days: 4)
        let policy = RetentionPolicy(enabled: true, keepAllDays: 1, thinToPerHour: 2)
        let deleted = Set(Self.plan(frames, policy).deletions.map(\.id))
        let kept = frames.filter { !deleted.contains($0.id) }
        #expect(kept.filter { $0.capturedAt >= Self.now - 86_400 }.count == 288, "the last day is kept whole")
        let old = kept.filter { $0.capturedAt < Self.now - 86_400 }
        let byHour = Dictionary(grouping: old) { Int($0.capturedAt.timeIntervalSince1970 / 3600) }
        #expect(byHour.values.allSatisfy { $0.count == 2 }, "two frames per hour remain")
        let minutes = Set(old.map { Int($0.capturedAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 3600) / 60) })
        #expect(minutes == [15, 45], "the kept frames are the ones nearest :15 and :45, got \(minutes.sorted())")
    }

    @Test("per_day with near keeps the frames nearest that local time each day")
    func perDayNear() {
        let frames = Self.frames(days: 10)
        let policy = RetentionPolicy(enabled: true, keepAllDays: 2, thinDays: 2, perDay: .init(count: 1, near: 12 * 60 + 2))
        let deleted = Set(Self.plan(frames, policy).deletions.map(\.id))
        let old = frames.filter { !deleted.contains($0.id) && $0.capturedAt < Self.now - 2 * 86_400 }
        let seconds = old.map { Int($0.capturedAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)) }
        // Nine local days reach past the cut-off: the oldest (from 12:00) and seven whole ones keep their 12:00 frame;
        // the day cut at 12:00 by the keep-all tier has frames up to 11:55 only, and keeps that one.
        #expect(seconds == Array(repeating: 12 * 3600, count: 8) + [11 * 3600 + 55 * 60], "got \(seconds)")
    }

    @Test("per_day keeps the frames nearest `near` in the camera's time zone")
    func perDayLocalTime() throws {
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        let frames = Self.frames(days: 5)
        let policy = RetentionPolicy(enabled: true, keepAllDays: 1, perDay: .init(count: 1, near: 8 * 60))
        let plan = RetentionPlan(frames: frames, policy: policy, now: Self.now, timeZone: paris, totalBytes: 0)
        let deleted = Set(plan.deletions.map(\.id))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        let kept = frames.filter { !deleted.contains($0.id) && $0.capturedAt < Self.now - 86_400 }
        #expect(!kept.isEmpty)
        // A day cut by the keep-all boundary may miss 08:00; every whole day keeps exactly its 08:00 frame.
        let eight = kept.filter { calendar.component(.hour, from: $0.capturedAt) == 8 && calendar.component(.minute, from: $0.capturedAt) == 0 }
        #expect(eight.count >= 3)
    }

    @Test("max_bytes thins the oldest tier first, and stops as soon as the camera is under budget")
    func budget() {
        let frames = Self.frames(days: 6)
        var policy = RetentionPolicy(enabled: true, keepAllDays: 1, thinToPerHour: 4, thinDays: 3, perDay: .init(count: 24))
        let tiersOnly = Self.plan(frames, policy)
        let remaining = Int64(frames.count) * 100 - tiersOnly.bytes
        policy.maxBytes = remaining - 1000
        let budgeted = Self.plan(frames, policy)
        #expect(budgeted.bytes - tiersOnly.bytes >= 1000 && budgeted.bytes - tiersOnly.bytes < 1100, "ten more frames go, no more")
        let extra = Set(budgeted.deletions.map(\.id)).subtracting(tiersOnly.deletions.map(\.id))
        let extraFrames = frames.filter { extra.contains($0.id) }
        #expect(extraFrames.allSatisfy { $0.capturedAt < Self.now - 3 * 86_400 }, "only the per-day tier (the oldest) was thinned further")
        #expect(extraFrames.first?.capturedAt ?? Self.now < Self.now - 5 * 86_400, "starting with its oldest frames")
    }

    @Test("frames of a timelapse being rendered are never chosen")
    func protected() {
        let frames = Self.frames(days: 3, timelapse: 7)
        let policy = RetentionPolicy(enabled: true, keepAllDays: 1, perDay: .init(count: 1), maxBytes: 1)
        #expect(Self.plan(frames, policy, protected: [7]).deletions.isEmpty)
        #expect(!Self.plan(frames, policy).deletions.isEmpty)
    }

    @Test("a policy's JSON is validated field by field")
    func validation() throws {
        #expect(throws: SettingsValidationError.self) {
            try RetentionPolicy.validated(.object(["enabled": .bool(true), "keep_all_days": .int(10), "thin_days": .int(5)]))
        }
        #expect(throws: SettingsValidationError.self) {
            try RetentionPolicy.validated(.object(["enabled": .bool(true), "per_day": .object(["count": .int(1), "near": .string("25:00")])]))
        }
        let policy = try RetentionPolicy.validated(.object([
            "enabled": .bool(true), "keep_all_days": .int(7), "thin_to_per_hour": .null,
            "per_day": .object(["count": .int(2), "near": .string("12:30")]),
        ]))
        #expect(policy == RetentionPolicy(enabled: true, keepAllDays: 7, perDay: .init(count: 2, near: 12 * 60 + 30)))
        #expect(RetentionPolicy.fromStored(policy.storedJSON) == policy)
    }
}
