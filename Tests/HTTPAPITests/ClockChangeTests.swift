import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

/// Frames whose local names collide are all kept: daylight saving time, clocks set back, a new time zone.
@Suite("No frame lost to a clock change")
struct ClockChangeTests {
    typealias Pipeline = CapturePipelineTests

    /// A time zone's autumn change: the hour that repeats, as the UTC instants of a capture every 5 minutes.
    struct FallBack: Sendable, CustomStringConvertible {
        var zone: String
        /// The first capture, 90 minutes before the change.
        var firstCapture: String
        var description: String { zone }
    }

    static let fallBacks = [
        // 2026-11-01 02:00 EDT → 01:00 EST (06:00Z): local 01:00–01:59 happens twice.
        FallBack(zone: "America/New_York", firstCapture: "2026-11-01T04:30:00Z"),
        // 2026-10-25 03:00 CEST → 02:00 CET (01:00Z): local 02:00–02:59 happens twice.
        FallBack(zone: "Europe/Berlin", firstCapture: "2026-10-24T23:30:00Z"),
    ]

    static func instants(from first: String, count: Int, every seconds: Double = 300) -> [Date] {
        let start = try! Date(first, strategy: .iso8601)
        return (0..<count).map { start + Double($0) * seconds }
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// Sets the time zone, makes a camera with a timelapse started an hour before `first`, and posts one distinct
    /// frame per instant; returns the camera, the timelapse and the answers.
    static func capture(_ client: some TestClientProtocol, zone: String, instants: [Date]) async throws
        -> (camera: Int, timelapse: Int, answers: [TestResponse]) {
        let patched = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["timezone": zone]))
        #expect(patched.status == .ok)
        let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client, started: iso(instants[0] - 3600))
        var answers: [TestResponse] = []
        for (i, instant) in instants.enumerated() {
            answers.append(try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: i), at: iso(instant)))
        }
        return (camera, timelapse, answers)
    }

    /// The timelapse's frames as the API lists them (its order: `captured_at`).
    static func listed(_ client: some TestClientProtocol, timelapse: Int) async throws -> [[String: Any]] {
        try await client.execute(uri: "/api/timelapses/\(timelapse)/images?limit=1000", method: .get).json["data"] as? [[String: Any]] ?? []
    }

    @Test("autumn: every frame of the repeated hour is stored, the second of each pair as `_2`; only the same instant is a 409",
          arguments: TestEngines.all, fallBacks)
    func repeatedHour(engine: DatabaseEngine, fallBack: FallBack) async throws {
        try await withTestServer(engine) { client, fixture in
            let instants = Self.instants(from: fallBack.firstCapture, count: 37)
            let (camera, timelapse, answers) = try await Self.capture(client, zone: fallBack.zone, instants: instants)
            #expect(answers.map(\.status) == Array(repeating: .created, count: 37), "\(answers.map { $0.json })")
            let paths = answers.compactMap { $0.data["file_path"] as? String }
            #expect(Set(paths).count == 37)
            let second = paths.filter { $0.hasSuffix("_2.jpg") }
            #expect(second.count == 12, "the repeated hour's second occurrences: \(second)")
            // The pairs: the same local name, the later instant suffixed.
            for path in second {
                let plain = path.replacingOccurrences(of: "_2.jpg", with: ".jpg")
                let first = try #require(paths.firstIndex(of: plain), "\(plain) missing")
                #expect(first < paths.firstIndex(of: path)!)
            }
            let onDisk = Pipeline.framesOnDisk(fixture, camera: camera, timelapse: timelapse)
            #expect(Set(onDisk) == Set(paths.map { String($0.split(separator: "/").last!) }))
            // Listed by captured_at, not by name.
            let listed = try await Self.listed(client, timelapse: timelapse)
            #expect(listed.compactMap { $0["file_path"] as? String } == paths)
            // The same instant again is the only duplicate.
            let again = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 99), at: Self.iso(instants[20]))
            #expect(again.status == .conflict)
            // Every frame gets its variants, named after its own frame.
            try await waitUntil("37 thumbnails", timeout: .seconds(120)) {
                try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 37
            }
            let images = try await Self.listed(client, timelapse: timelapse)
            for image in images {
                let frame = try #require(image["file_path"] as? String)
                #expect(image["thumbnail_path"] as? String == DataLayout.variantPath(forFramePath: frame, kind: .thumbnail))
            }
        }
    }

    @Test("spring: the skipped hour leaves no gap in the frames and no collision", arguments: TestEngines.all)
    func skippedHour(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            // 2026-03-08 02:00 EST → 03:00 EDT (07:00Z): local 02:00–02:59 never happens.
            let instants = Self.instants(from: "2026-03-08T06:30:00Z", count: 13)
            let (_, timelapse, answers) = try await Self.capture(client, zone: "America/New_York", instants: instants)
            #expect(answers.allSatisfy { $0.status == .created })
            let clocks = answers.compactMap { ($0.data["file_path"] as? String)?.split(separator: "_").last.map { String($0.prefix(6)) } }
            #expect(clocks.prefix(6) == ["013000", "013500", "014000", "014500", "015000", "015500"])
            #expect(clocks.dropFirst(6).prefix(2) == ["030000", "030500"])
            #expect(!clocks.contains { $0.hasPrefix("02") })
            #expect(try await Self.listed(client, timelapse: timelapse).count == 13)
        }
    }

    @Test("a clock set back and a new time zone: earlier instants after later ones, colliding names, all kept in time order",
          arguments: TestEngines.all)
    func clockSetBack(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client, started: "2026-06-01T06:00:00Z")
            var statuses: [HTTPResponse.Status] = []
            // The camera's clock ran ahead, then was corrected: 10:02 and 10:07 arrive after 10:10.
            for (seed, at) in ["10:00:00", "10:05:00", "10:10:00", "10:02:00", "10:07:00"].enumerated() {
                statuses.append(try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: seed),
                                                        at: "2026-06-01T\(at)Z").status)
            }
            // The time zone changes: 14:00Z is 10:00 in New York (EDT), the name of the first frame.
            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["timezone": "America/New_York"]))
            let moved = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 9), at: "2026-06-01T14:00:00Z")
            statuses.append(moved.status)
            #expect(statuses == Array(repeating: .created, count: 6))
            #expect((moved.data["file_path"] as? String)?.hasSuffix("_day001_100000_2.jpg") == true, "\(moved.json)")
            let listed = try await Self.listed(client, timelapse: timelapse)
            let times = listed.compactMap { $0["captured_at"] as? String }
            #expect(times.count == 6 && times == times.sorted())
            #expect(Pipeline.framesOnDisk(fixture, camera: camera, timelapse: timelapse).count == 6)
        }
    }

    @Test("repair links an orphaned variant of a `_2` frame back to it", arguments: TestEngines.all)
    func repairUnderstandsSuffix(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client, started: "2026-06-01T06:00:00Z")
            _ = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 1), at: "2026-06-01T10:00:00Z")
            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["timezone": "America/New_York"]))
            let second = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 2), at: "2026-06-01T14:00:00Z")
            let id = try #require(second.data["image_id"] as? Int)
            try await waitUntil("both thumbnails", timeout: .seconds(60)) {
                try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 2
            }
            let thumbnail = try #require(try await client.execute(uri: "/api/images/\(id)", method: .get).data["thumbnail_path"] as? String)
            #expect(thumbnail.hasSuffix("_thumb_day001_100000_2.jpg"))
            try await ImageServingTests.sql(fixture, "UPDATE images SET thumbnail_path = NULL, thumbnail_size = NULL WHERE id = \(id)")
            let repaired = try await client.execute(uri: "/api/thumbnails/repair", method: .post).data
            #expect(repaired["files_matched"] as? Int == 1 && repaired["files_deleted"] as? Int == 0, "\(repaired)")
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .get).data["thumbnail_path"] as? String == thumbnail)
        }
    }
}
