import Database
import Foundation
import Testing
import TimelapserCore
@testable import Videos

@Suite("Frame selection and render plans")
struct FrameSelectionTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// Frames every `stepMinutes` from `start` (UTC) for `count` frames.
    static func frames(from start: String, count: Int, stepMinutes: Int) -> [RenderFrameRecord] {
        let first = JSONDate.parse(start)!
        return (0..<count).map { i in
            RenderFrameRecord(id: Int64(i + 1), filePath: "f\(i).jpg", capturedAt: first.addingTimeInterval(Double(i * stepMinutes * 60)),
                              dayNumber: 1 + i * stepMinutes / 1440, width: 3840, height: 2160, meanLuma: 100)
        }
    }

    static func spec(_ configure: (inout RenderSettings) -> Void) throws -> RenderSpec {
        var settings = RenderSettings()
        configure(&settings)
        return try settings.validated()
    }

    static func localMinute(_ date: Date, _ zone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return parts.hour! * 60 + parts.minute!
    }

    @Test("time_of_day keeps frames inside the local window, also across midnight")
    func timeOfDay() throws {
        let all = Self.frames(from: "2026-03-01T00:00:00Z", count: 96 * 3, stepMinutes: 15)
        let day = try Self.spec { $0.timeOfDay = .init(start: "08:00", end: "10:00") }
        let selected = FrameSelection.select(all, spec: day, timeZone: Self.paris)
        #expect(selected.count == 3 * 8)
        #expect(selected.allSatisfy { (480..<600).contains(Self.localMinute($0.capturedAt, Self.paris)) })
        let night = try Self.spec { $0.timeOfDay = .init(start: "23:00", end: "01:00") }
        let wrapped = FrameSelection.select(all, spec: night, timeZone: Self.paris)
        #expect(wrapped.allSatisfy { let m = Self.localMinute($0.capturedAt, Self.paris); return m >= 1380 || m < 60 })
        #expect(wrapped.count == all.filter { let m = Self.localMinute($0.capturedAt, Self.paris); return m >= 1380 || m < 60 }.count)
        #expect(wrapped.count > 0)
    }

    @Test("per_day keeps the count frames nearest to the time each local day, in capture order")
    func perDay() throws {
        let all = Self.frames(from: "2026-06-01T00:07:00Z", count: 24 * 5, stepMinutes: 60)
        let noon = try Self.spec { $0.perDay = .init(count: 1, near: "12:00") }
        let selected = FrameSelection.select(all, spec: noon, timeZone: Self.paris)
        // Five UTC days cover six Paris days: June 1 from 02:07 to June 6 at 01:07 local. Each full day gives its
        // 12:07 frame; the last, partial day its frame nearest to noon (01:07).
        #expect(selected.count == 6)
        #expect(selected.prefix(5).allSatisfy { Self.localMinute($0.capturedAt, Self.paris) == 12 * 60 + 7 })
        #expect(selected.last.map { Self.localMinute($0.capturedAt, Self.paris) } == 67)
        let two = try Self.spec { $0.perDay = .init(count: 2, near: "06:00") }
        let pairs = FrameSelection.select(all, spec: two, timeZone: Self.paris)
        #expect(pairs == pairs.sorted { $0.capturedAt < $1.capturedAt })
        #expect(pairs.count == 12)
        #expect(pairs.dropLast(2).allSatisfy { [5 * 60 + 7, 6 * 60 + 7].contains(Self.localMinute($0.capturedAt, Self.paris)) })
    }

    @Test("every_nth keeps the first and each n-th after it; rules combine in order")
    func everyNthAndCombination() throws {
        let all = Self.frames(from: "2026-01-10T00:00:00Z", count: 100, stepMinutes: 30)
        let nth = try Self.spec { $0.everyNth = 7 }
        #expect(FrameSelection.select(all, spec: nth, timeZone: .gmt).map(\.id) == stride(from: 1, through: 100, by: 7).map { Int64($0) })
        let combined = try Self.spec {
            $0.timeOfDay = .init(start: "06:00", end: "18:00")
            $0.everyNth = 2
        }
        let expected = all.filter { (360..<1080).contains(Self.localMinute($0.capturedAt, .gmt)) }.enumerated()
            .filter { $0.offset % 2 == 0 }.map(\.element.id)
        #expect(FrameSelection.select(all, spec: combined, timeZone: .gmt).map(\.id) == expected)
    }

    @Test("target_seconds derives the rate within min/max and drops frames evenly past max_fps")
    func targetLength() throws {
        let thirty = Self.frames(from: "2026-01-10T00:00:00Z", count: 30, stepMinutes: 1)
        let slow = RenderPlan.make(selected: thirty, spec: try Self.spec { $0.targetSeconds = 10 })
        #expect(slow.fps == 12 && slow.frames.count == 30)
        let exact = RenderPlan.make(selected: thirty, spec: try Self.spec { $0.targetSeconds = 1; $0.maxFps = 30 })
        #expect(exact.fps == 30 && exact.frames.count == 30)
        let dropped = RenderPlan.make(selected: thirty, spec: try Self.spec { $0.targetSeconds = 1; $0.maxFps = 20 })
        #expect(dropped.fps == 20 && dropped.frames.count == 20)
        #expect(dropped.frames.first?.id == 1 && dropped.frames.last?.id == 30)
        #expect(dropped.durationSeconds == 1)
    }

    @Test("output sizes are even, fitted and never upscaled")
    func outputSize() throws {
        #expect(OutputResolution.height(1080).size(sourceWidth: 3840, sourceHeight: 2160) == (1920, 1080))
        #expect(OutputResolution.height(2160).size(sourceWidth: 1280, sourceHeight: 720) == (1280, 720))
        #expect(OutputResolution.source.size(sourceWidth: 1281, sourceHeight: 721) == (1280, 720))
        #expect(OutputResolution.width(1000).size(sourceWidth: 4000, sourceHeight: 3000) == (1000, 750))
        let tiny = OutputResolution.height(720).size(sourceWidth: 333, sourceHeight: 101)
        #expect(tiny.width % 2 == 0 && tiny.height % 2 == 0 && tiny.width <= 333 && tiny.height <= 101)
    }

    @Test("deflicker gains pull alternating brightness to the moving average")
    func deflickerGains() {
        let lumas: [Double?] = (0..<40).map { $0 % 2 == 0 ? 80 : 160 }
        let gains = Deflicker.gains(lumas: lumas)
        let corrected = zip(lumas, gains).map { $0! * $1 }
        let before = zip(lumas.dropFirst(), lumas).map { abs($0! - $1!) }.reduce(0, +)
        let after = zip(corrected.dropFirst(), corrected).map { abs($0 - $1) }.reduce(0, +)
        #expect(after * 5 < before)
        #expect(Deflicker.gains(lumas: [nil, 100, nil]) [0] == 1)
    }
}
