import Database
import Foundation
import Imaging
import ThumbnailJobs
import TimelapserCore

extension VideoService {
    /// The time zone a timelapse's frames are selected and captioned in: its camera's own, else the `timezone` setting.
    func timeZone(of timelapse: TimelapseRecord) async throws -> TimeZone {
        let fallback = try await settings.current().timeZone
        let camera = try await database.read { try await CameraStore.fetchOne($0, id: timelapse.cameraId) }
        return camera?.timeZone(fallback: fallback) ?? fallback
    }

    /// The crop and rotation a timelapse's videos are made with: its camera's (none when the camera is gone).
    func frameTransform(of timelapse: TimelapseRecord) async throws -> FrameTransform {
        let camera = try await database.read { try await CameraStore.fetchOne($0, id: timelapse.cameraId) }
        return camera?.frameTransform ?? .identity
    }
}
