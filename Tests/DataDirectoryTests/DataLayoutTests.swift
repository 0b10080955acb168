import DataDirectory
import Foundation
import Testing
import TimelapserCore

@Suite("Data layout")
struct DataLayoutTests {
    @Test func namesRoundTrip() throws {
        let frame = DataLayout.frameName(timelapseId: 42, dayNumber: 3, clock: "143022")
        #expect(frame == "timelapse-42_day003_143022.jpg")
        let path = DataLayout.framesDirectory(cameraId: 7, timelapseId: 42) + "/" + frame
        #expect(path == "cameras/camera-7/timelapse-42/frames/timelapse-42_day003_143022.jpg")
        let thumb = try #require(DataLayout.variantPath(forFramePath: path, kind: .thumbnail))
        #expect(thumb == "cameras/camera-7/timelapse-42/thumbnails/timelapse-42_thumb_day003_143022.jpg")
        let small = try #require(DataLayout.variantPath(forFramePath: path, kind: .small))
        #expect(small == "cameras/camera-7/timelapse-42/smalls/timelapse-42_small_day003_143022.jpg")
        let parsed = try #require(DataLayout.parseVariantName("timelapse-42_thumb_day003_143022.jpg"))
        #expect(parsed == .init(timelapseId: 42, kind: .thumbnail, frameName: frame))
        #expect(DataLayout.parseVariantName("timelapse-42_small_day1000_000000.jpg")?.kind == .small)
    }

    @Test(arguments: ["notes.txt", "timelapse-42_day003_143022.jpg", "timelapse-x_thumb_day003_143022.jpg",
                      "timelapse-42_thumb_day03_143022.jpg", "timelapse-42_thumb_day003_1430.jpg",
                      "timelapse-42_thumb_day003_143022.jpg.tmp", "../timelapse-42_thumb_day003_143022.jpg",
                      "timelapse-0_thumb_day003_143022.jpg", "timelapse-42_thumb_day003_143022.png"])
    func rejectsOtherNames(name: String) {
        #expect(DataLayout.parseVariantName(name) == nil)
    }

    @Test func pathsStayInsideTheDataDirectory() {
        let layout = DataLayout(root: "/srv/timelapser/data/")
        #expect(layout.root == "/srv/timelapser/data")
        #expect(layout.absolutePath("cameras/camera-1/a.jpg") == "/srv/timelapser/data/cameras/camera-1/a.jpg")
        for bad in ["/etc/passwd", "../secret", "cameras/../../x", "cameras//x", "cameras/./x", "a\0b", ""] {
            #expect(layout.absolutePath(bad) == nil, "\(bad) must be refused")
        }
    }

    @Test func dayNumbersCountCalendarDaysInTheTimezone() throws {
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        let start = try Date("2026-03-01T22:30:00Z", strategy: .iso8601)  // 23:30 in Paris, day 1
        #expect(DataLayout.dayNumber(startedAt: start, capturedAt: start, timeZone: paris) == 1)
        let nextMorning = try Date("2026-03-01T23:30:00Z", strategy: .iso8601)  // 00:30 next day in Paris
        #expect(DataLayout.dayNumber(startedAt: start, capturedAt: nextMorning, timeZone: paris) == 2)
        #expect(DataLayout.dayNumber(startedAt: start, capturedAt: nextMorning, timeZone: .gmt) == 1)
        #expect(DataLayout.clock(nextMorning, timeZone: paris) == "003000")
    }
}

@Suite struct DisambiguatedNameTests {
    @Test func collidingNamesParseAndDeriveVariants() throws {
        let second = DataLayout.frameName(timelapseId: 7, dayNumber: 12, clock: "013000", collision: 2)
        #expect(second == "timelapse-7_day012_013000_2.jpg")
        #expect(DataLayout.frameName(timelapseId: 7, dayNumber: 12, clock: "013000", collision: 1) == "timelapse-7_day012_013000.jpg")
        let parsed = try #require(DataLayout.parseFrameName(second))
        #expect(parsed.timelapseId == 7 && parsed.rest == "day012_013000_2.jpg")
        let path = "cameras/camera-1/timelapse-7/frames/" + second
        let thumb = try #require(DataLayout.variantPath(forFramePath: path, kind: .thumbnail))
        #expect(thumb == "cameras/camera-1/timelapse-7/thumbnails/timelapse-7_thumb_day012_013000_2.jpg")
        let variant = try #require(DataLayout.parseVariantName("timelapse-7_small_day012_013000_12.jpg"))
        #expect(variant.kind == .small && variant.frameName == "timelapse-7_day012_013000_12.jpg")
        for bad in ["timelapse-7_day012_013000_1.jpg", "timelapse-7_day012_013000_02.jpg", "timelapse-7_day012_013000_.jpg",
                    "timelapse-7_day012_013000_x.jpg", "timelapse-7_day012_013000_2_3.jpg"] {
            #expect(DataLayout.parseFrameName(bad) == nil, "\(bad)")
        }
    }
}
