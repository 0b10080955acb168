import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

/// Settings changed through the API take effect on the next frame or job of the running server.
@Suite("Settings take effect: JPEG qualities and the time zone")
struct SettingsEffectTests {
    /// Regenerates an image's variants and returns the image after its job completed.
    static func regenerate(_ client: some TestClientProtocol, _ events: EventStreamClient, image id: Int) async throws -> [String: Any] {
        let accepted = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
        #expect(accepted.status == .accepted)
        _ = try await Coverage.completion(events, image: id)
        return try await Coverage.image(client, id)
    }

    @Test("thumbnail_quality and small_quality: the same frame regenerated at 10 is much smaller than at 95",
          arguments: TestEngines.all)
    func qualities(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let root = fixture.layout.root
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let camera = try await Coverage.camera(client)
            _ = try await Coverage.timelapse(client, camera: camera)
            let frame = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 1600, height: 1200, seed: 7),
                                                   at: "2026-03-02T12:00:00Z")
            let id = try #require(frame["image_id"] as? Int)
            _ = try await Coverage.completion(events, image: id)

            try await Coverage.patchSettings(client, ["thumbnail_quality": 95, "small_quality": 95])
            let high = try await Self.regenerate(client, events, image: id)
            try await Coverage.patchSettings(client, ["thumbnail_quality": 10, "small_quality": 10])
            let low = try await Self.regenerate(client, events, image: id)

            let highThumb = try #require(high["thumbnail_size"] as? Int), lowThumb = try #require(low["thumbnail_size"] as? Int)
            let highSmall = try #require(high["small_size"] as? Int), lowSmall = try #require(low["small_size"] as? Int)
            #expect(lowThumb * 2 < highThumb, "thumbnail: \(lowThumb) bytes at 10, \(highThumb) at 95")
            #expect(lowSmall * 2 < highSmall, "small: \(lowSmall) bytes at 10, \(highSmall) at 95")
            // The stored sizes are the files on disk; the files are the same variants (same names, same dimensions).
            #expect(low["thumbnail_path"] as? String == high["thumbnail_path"] as? String)
            let thumbPath = try #require(low["thumbnail_path"] as? String), smallPath = try #require(low["small_path"] as? String)
            #expect(Coverage.fileSize(root, thumbPath) == lowThumb)
            #expect(Coverage.fileSize(root, smallPath) == lowSmall)
            let thumb = try #require(Fixtures.decode(Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + thumbPath)))))
            let small = try #require(Fixtures.decode(Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + smallPath)))))
            #expect(thumb.width == 200 && thumb.height == 150)
            #expect(small.width == 800 && small.height == 600)
            // Each regeneration is a new generation of both variants.
            #expect((low["urls"] as? [String: Any])?["thumbnail"] as? String == "/api/images/\(id)/thumbnail?v=3")
            #expect((low["urls"] as? [String: Any])?["small"] as? String == "/api/images/\(id)/small?v=3")
        }
    }

    @Test("timezone: a frame is named and day-numbered in the zone set when it arrives; earlier names stay",
          arguments: TestEngines.all)
    func timezone(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let camera = try await Coverage.camera(client)
            // Started 2026-03-01 08:00 UTC: 17:00 in Tokyo, midnight in Los Angeles (PST, UTC−8).
            let timelapse = try await Coverage.timelapse(client, camera: camera, started: "2026-03-01T08:00:00Z")
            let frames = "cameras/camera-\(camera)/timelapse-\(timelapse)/frames/timelapse-\(timelapse)"

            // UTC (the default): 2026-03-02 20:30:22 is day 2.
            let utc = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 1),
                                                 at: "2026-03-02T20:30:22Z")
            #expect(utc["day_number"] as? Int == 2)
            #expect(utc["file_path"] as? String == "\(frames)_day002_203022.jpg")

            // Tokyo (UTC+9): 2026-03-02 20:30:23 UTC is 2026-03-03 05:30:23 there, day 3.
            try await Coverage.patchSettings(client, ["timezone": "Asia/Tokyo"])
            #expect(try await client.execute(uri: "/api/settings", method: .get).data["timezone"] as? String == "Asia/Tokyo")
            let tokyo = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 2),
                                                   at: "2026-03-02T20:30:23Z")
            let tokyoId = try #require(tokyo["image_id"] as? Int)
            #expect(tokyo["day_number"] as? Int == 3)
            #expect(tokyo["file_path"] as? String == "\(frames)_day003_053023.jpg")
            // The event and the stored row say the same; the variants take the frame's name.
            let announced = await events.next { $0.type == "image_captured" && $0.data["image_id"] as? Int == tokyoId }
            guard case .imageCaptured(let captured)? = announced?.event else {
                Issue.record("no typed image_captured for image \(tokyoId)")
                return
            }
            #expect(captured.dayNumber == 3)
            _ = try await Coverage.completion(events, image: tokyoId)
            let stored = try await Coverage.image(client, tokyoId)
            #expect(stored["day_number"] as? Int == 3)
            #expect(stored["file_path"] as? String == "\(frames)_day003_053023.jpg")
            #expect((stored["thumbnail_path"] as? String)?.hasSuffix("/thumbnails/timelapse-\(timelapse)_thumb_day003_053023.jpg") == true)
            #expect(Coverage.exists(fixture.layout.root + "/" + (tokyo["file_path"] as? String ?? "")))

            // Los Angeles (UTC−8 in early March): 2026-03-02 03:00:00 UTC is 2026-03-01 19:00:00 there, still day 1.
            try await Coverage.patchSettings(client, ["timezone": "America/Los_Angeles"])
            let la = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: 3),
                                                at: "2026-03-02T03:00:00Z")
            #expect(la["day_number"] as? Int == 1)
            #expect(la["file_path"] as? String == "\(frames)_day001_190000.jpg")
            // The same UTC instant in UTC would have been day 2, 030000: the zone, not the instant, decided the name.

            // Names are decided once: the first frame keeps its UTC name and day.
            let first = try await Coverage.image(client, try #require(utc["image_id"] as? Int))
            #expect(first["day_number"] as? Int == 2)
            #expect(first["file_path"] as? String == "\(frames)_day002_203022.jpg")
            let names = Coverage.files(fixture.layout.root, "cameras/camera-\(camera)/timelapse-\(timelapse)/frames")
            #expect(names == ["timelapse-\(timelapse)_day001_190000.jpg", "timelapse-\(timelapse)_day002_203022.jpg",
                              "timelapse-\(timelapse)_day003_053023.jpg"])
        }
    }
}
