import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

/// Nested JSON objects of a camera request whose keys are snake_case themselves (`capture_window`, `retention`):
/// every field arrives, none is silently read as absent.
@Suite("Camera request fields round-trip")
struct CameraRequestFieldsTests {
    static func json(_ object: [String: Any]) -> ByteBuffer { ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)) }

    @Test("a daylight window keeps its sunrise and sunset offsets; a retention policy keeps every field", arguments: TestEngines.all)
    func nestedFields(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let window: [String: Any] = ["mode": "daylight", "latitude": 48.85, "longitude": 2.35,
                                         "sunrise_offset_minutes": 30, "sunset_offset_minutes": -45]
            let created = try await client.execute(uri: "/api/cameras", method: .post,
                                                   body: Self.json(["name": "roof", "capture_window": window]))
            #expect(created.status == .created)
            let shown = try #require(created.data["capture_window"] as? [String: Any])
            #expect(shown["sunrise_offset_minutes"] as? Int == 30)
            #expect(shown["sunset_offset_minutes"] as? Int == -45)
            let id = try #require(created.data["id"] as? Int)
            let policy: [String: Any] = ["enabled": true, "keep_all_days": 3, "thin_to_per_hour": 4, "thin_days": 10,
                                         "per_day": ["count": 2, "near": "07:30"], "max_bytes": 1_000_000, "video_retention_days": 5]
            let patched = try await client.execute(uri: "/api/cameras/\(id)", method: .patch, body: Self.json(["retention": policy]))
            let retention = try #require(patched.data["retention"] as? [String: Any], "\(patched.json)")
            for (key, value) in policy where key != "per_day" {
                #expect((retention[key] as? NSObject)?.isEqual(value) == true, "\(key): \(retention[key] ?? "absent")")
            }
            #expect((retention["per_day"] as? [String: Any])?["near"] as? String == "07:30")
            let cleared = try await client.execute(uri: "/api/cameras/\(id)", method: .patch, body: Self.json(["retention": NSNull()]))
            #expect(cleared.data["retention"] is NSNull)
            let bad = try await client.execute(uri: "/api/cameras/\(id)", method: .patch,
                                               body: Self.json(["capture_window": ["mode": "daylight", "latitude": 99, "longitude": 0]]))
            #expect(bad.status == .unprocessableContent)
            #expect((bad.json["details"] as? [String: Any])?["field"] as? String == "capture_window.latitude")
        }
    }
}
