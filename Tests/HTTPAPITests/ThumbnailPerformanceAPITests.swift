import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

/// `GET /api/thumbnails/performance` after real jobs of the real worker.
@Suite("Thumbnail performance report")
struct ThumbnailPerformanceAPITests {
    static func report(_ client: some TestClientProtocol, hours: Int? = nil) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/thumbnails/performance" + (hours.map { "?hours=\($0)" } ?? ""), method: .get)
        #expect(response.status == .ok, "\(response.json)")
        #expect(response.json["success"] as? Bool == true)
        return response.data
    }

    /// Nearest-rank percentile, as the report defines it.
    static func percentile(_ sorted: [Int], _ p: Double) -> Int {
        sorted[min(max(Int((p * Double(sorted.count)).rounded(.up)), 1), sorted.count) - 1]
    }

    static let qualityAdvice = "Qualities above 90"
    static let failureAdvice = "Check GET /api/thumbnails/jobs?status=failed for the reasons."

    @Test("shape and numbers: empty, after three jobs, after a failure; advice follows the settings", arguments: TestEngines.all)
    func report(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }

            let empty = try await Self.report(client)
            #expect(empty["window_hours"] as? Int == 24)
            #expect(empty["completed_jobs"] as? Int == 0)
            #expect(empty["failed_jobs"] as? Int == 0)
            #expect(empty["success_rate"] is NSNull)
            let emptyTimes = try #require(empty["generation_time_ms"] as? [String: Any])
            #expect(emptyTimes["p50"] is NSNull && emptyTimes["p95"] is NSNull && emptyTimes["max"] is NSNull)
            #expect(empty["pending_jobs"] as? Int == 0)
            #expect((empty["slow_generation"] as? [Any])?.isEmpty == true)
            #expect((empty["recommendations"] as? [Any])?.isEmpty == true)

            let camera = try await Coverage.camera(client)
            _ = try await Coverage.timelapse(client, camera: camera)
            var ids: [Int] = []
            for i in 0..<3 {
                let frame = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 640, height: 480, seed: i + 1),
                                                       at: "2026-03-02T09:00:0\(i)Z")
                let id = try #require(frame["image_id"] as? Int)
                _ = try await Coverage.completion(events, image: id)
                ids.append(id)
            }
            let jobs = Coverage.list(try await client.execute(uri: "/api/thumbnails/jobs?status=completed", method: .get))
            let times = jobs.compactMap { $0["processing_time_ms"] as? Int }.sorted()
            try #require(times.count == 3)

            let three = try await Self.report(client)
            #expect(three["completed_jobs"] as? Int == 3)
            #expect(three["failed_jobs"] as? Int == 0)
            #expect(three["success_rate"] as? Double == 1.0)
            let threeTimes = try #require(three["generation_time_ms"] as? [String: Any])
            #expect(threeTimes["p50"] as? Int == Self.percentile(times, 0.50))
            #expect(threeTimes["p95"] as? Int == Self.percentile(times, 0.95))
            #expect(threeTimes["max"] as? Int == times.last)
            #expect(three["pending_jobs"] as? Int == 0)
            let advice = (three["recommendations"] as? [String]) ?? []
            #expect(!advice.contains { $0.hasPrefix(Self.qualityAdvice) } && !advice.contains(Self.failureAdvice))

            // A frame damaged on disk: its regeneration fails for good (not a JPEG any more).
            let broken = try #require(try await Coverage.image(client, ids[2])["file_path"] as? String)
            try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: fixture.layout.root + "/" + broken))
            #expect(try await client.execute(uri: "/api/images/\(ids[2])/thumbnails/regenerate", method: .post).status == .accepted)
            let failed = await events.next(timeout: .seconds(30)) { $0.type == "thumbnail_job_failed" && $0.data["image_id"] as? Int == ids[2] }
            #expect(failed?.data["will_retry"] as? Bool == false)

            let withFailure = try await Self.report(client)
            #expect(withFailure["completed_jobs"] as? Int == 3)
            #expect(withFailure["failed_jobs"] as? Int == 1)
            #expect(withFailure["success_rate"] as? Double == 0.75)
            // Failed jobs do not enter the generation times.
            #expect((withFailure["generation_time_ms"] as? [String: Any])?["max"] as? Int == times.last)
            #expect((withFailure["slow_generation"] as? [String])?.contains("1 of 4 jobs failed in the last 24 h.") == true)
            #expect((withFailure["recommendations"] as? [String])?.contains(Self.failureAdvice) == true)

            try await Coverage.patchSettings(client, ["thumbnail_quality": 95])
            let expensive = try await Self.report(client)
            #expect((expensive["recommendations"] as? [String])?.contains { $0.hasPrefix(Self.qualityAdvice) } == true)

            // The window: one hour still holds every job; the longest window is accepted.
            let hour = try await Self.report(client, hours: 1)
            #expect(hour["window_hours"] as? Int == 1)
            #expect(hour["completed_jobs"] as? Int == 3)
            #expect(try await Self.report(client, hours: 720)["window_hours"] as? Int == 720)
        }
    }

    @Test("hours outside 1–720 or not an integer is a 400 naming the field")
    func hoursValidation() async throws {
        try await withTestServer(.sqlite) { client, _ in
            for hours in ["0", "721", "-3", "abc", "1.5", "", "99999999999999999999"] {
                let response = try await client.execute(uri: "/api/thumbnails/performance?hours=\(hours)", method: .get)
                #expect(response.status == .badRequest, "hours=\(hours)")
                #expect(response.json["success"] as? Bool == false)
                #expect(response.json["status_code"] as? Int == 400)
                #expect((response.json["details"] as? [String: Any])?["field"] as? String == "hours", "hours=\(hours)")
            }
            for hours in [1, 720] {
                #expect(try await Self.report(client, hours: hours)["window_hours"] as? Int == hours)
            }
        }
    }
}
