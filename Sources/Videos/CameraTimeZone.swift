import Database
import Foundation
import TimelapserCore

extension VideoService {
    /// The time zone a timelapse's frames are selected and captioned in: its camera's own, else the `timezone` setting.
    func timeZone(of timelapse: TimelapseRecord) async throws -> TimeZone {
        let fallback = try await settings.current().timeZone
        let camera = try await database.read { try await CameraStore.fetchOne($0, id: timelapse.cameraId) }
        return camera?.timeZone(fallback: fallback) ?? fallback
    }
}
