import Foundation
import Testing
import TimelapserCore
@testable import Videos

@Suite("Render settings validation")
struct RenderSettingsTests {
    static func field(_ configure: (inout RenderSettings) -> Void) -> String? {
        var settings = RenderSettings()
        configure(&settings)
        do {
            _ = try settings.validated()
            return nil
        } catch {
            return error.field
        }
    }

    @Test("each bad value names its field")
    func badFields() {
        #expect(Self.field { $0.fps = 0 } == "fps")
        #expect(Self.field { $0.fps = 121 } == "fps")
        #expect(Self.field { $0.fps = 24; $0.targetSeconds = 10 } == "target_seconds")
        #expect(Self.field { $0.targetSeconds = 10; $0.minFps = 30; $0.maxFps = 20 } == "max_fps")
        #expect(Self.field { $0.from = "yesterday" } == "from")
        #expect(Self.field { $0.from = "2026-01-02T00:00:00Z"; $0.to = "2026-01-01T00:00:00Z" } == "to")
        #expect(Self.field { $0.timeOfDay = .init(start: "25:00", end: "10:00") } == "time_of_day")
        #expect(Self.field { $0.perDay = .init(count: 0, near: "12:00") } == "per_day")
        #expect(Self.field { $0.everyNth = 0 } == "every_nth")
        #expect(Self.field { $0.resolution = .named("4k") } == "resolution")
        #expect(Self.field { $0.resolution = .width(8) } == "resolution")
        #expect(Self.field { $0.codec = "vp9" } == "codec")
        #expect(Self.field { $0.quality = 52 } == "quality")
        #expect(Self.field { $0.codec = "av1"; $0.quality = 60 } == nil)
        #expect(Self.field { $0.preset = "ludicrous" } == "preset")
        #expect(Self.field { $0.overlay = .init(kind: "weather") } == "overlay")
        #expect(Self.field { $0.overlay = .init(kind: "text") } == "overlay")
        #expect(Self.field { $0.overlay = .init(kind: "timestamp", position: "left") } == "overlay")
        #expect(Self.field { $0.name = "../etc" } == "name")
    }

    @Test("defaults: full, 24 fps, 1080p, h264 CRF 23 veryfast")
    func defaults() throws {
        let spec = try RenderSettings().validated()
        #expect(spec.name == "full" && spec.length == .fps(24) && spec.resolution == .height(1080))
        #expect(spec.codec == .h264 && spec.quality == 23 && spec.preset == "veryfast" && !spec.deflicker && spec.overlay == nil)
    }

    @Test("stored settings read back as sent")
    func storedRoundTrip() throws {
        var settings = RenderSettings()
        settings.targetSeconds = 30
        settings.perDay = .init(count: 1, near: "12:00")
        settings.resolution = .width(1280)
        settings.overlay = .init(kind: "day_number", position: "top_left")
        #expect(settings.storedJSON.contains("\"per_day\""))
        #expect(try RenderSettings.fromStored(settings.storedJSON) == settings)
    }

    @Test("captions: one cue per run of equal text, millisecond timing, no markup")
    func captions() {
        let srt = OverlayCaptions.subRip(texts: ["Day 1", "Day 1", "Day 2", "<b>{x}"], fps: 4)
        #expect(srt.contains("1\n00:00:00,000 --> 00:00:00,500\nDay 1"))
        #expect(srt.contains("2\n00:00:00,500 --> 00:00:00,750\nDay 2"))
        #expect(OverlayCaptions.sanitized("<b>{x}") == " b  x ")
        let fast = OverlayCaptions.subRip(texts: (0..<3).map { "t\($0)" }, fps: 120)
        #expect(fast.contains("00:00:00,008 --> 00:00:00,016"))
    }

    @Test("automation validation names nested fields")
    func automation() {
        #expect(throws: SettingsValidationError(field: "daily.at", message: "must be HH:MM")) {
            try VideoAutomation(daily: .init(at: "6am")).validate()
        }
        var bad = RenderSettings()
        bad.fps = 500
        #expect(throws: SettingsValidationError.self) { try VideoAutomation(milestones: .init(everyFrames: 10, settings: bad)).validate() }
        #expect(throws: Never.self) { try VideoAutomation(onCompletion: .init()).validate() }
    }
}
