import CameraCapture
import Database
import Foundation
import TimelapserCore

extension CameraResponse {
    /// Sets `next_capture_at` and `window_open` from the camera's ``CaptureSchedule`` (its window in its own time
    /// zone, else the `timezone` setting's) as the scheduler follows it.
    mutating func addSchedule(_ camera: CameraRecord, settings: SettingsService, now: Date = Date()) async throws {
        let zone = camera.timeZone(fallback: try await settings.current().timeZone)
        let schedule = CaptureSchedule(window: CaptureWindow.fromStored(camera.captureWindow), timeZone: zone,
                                       intervalSeconds: camera.captureIntervalSeconds)
        windowOpen = schedule.isOpen(at: now)
        let capturing = !(camera.rtspUrl ?? "").isEmpty && camera.activeTimelapseId != nil
        nextCaptureAt = capturing ? schedule.nextCapture(atOrAfter: now) : nil
    }
}
