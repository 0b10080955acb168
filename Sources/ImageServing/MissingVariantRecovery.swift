import Database
import Foundation
import Logging
import ThumbnailJobs
import TimelapserCore

/// What happens when a variant file the database points at is not there (or leads outside the data directory):
/// it is logged and counted once per path, and a missing thumbnail or small is queued for regeneration when
/// thumbnails are on for the camera and globally. The row is left alone: verify and repair own it.
struct MissingVariantRecovery: Sendable {
    let database: TimelapserDatabase
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let cache: ResolutionCache
    let logger: Logger

    /// Logs and counts files noticed missing or refused (once per path until it is seen again), and queues the
    /// regeneration of a missing thumbnail or small when thumbnails are on for the camera and globally. The row
    /// is left alone: verify and repair own it.
    func handle(_ noticed: [ImageVariantResolver.NoticedFile]) async {
        for file in noticed where cache.isFirstNotice(file.path) {
            switch file.state {
            case .refused:
                cache.refusedPaths.add(1, ordering: .relaxed)
                logger.warning("refused a variant path outside the data directory",
                               metadata: ["image_id": "\(file.imageId)", "variant": "\(file.variant.rawValue)", "path": "\(file.path)"])
            default:
                cache.missingFiles.add(1, ordering: .relaxed)
                logger.warning("variant file missing, serving the next one",
                               metadata: ["image_id": "\(file.imageId)", "variant": "\(file.variant.rawValue)", "path": "\(file.path)"])
                if file.variant == .thumbnail || file.variant == .small {
                    await requestRegeneration(imageId: file.imageId, cameraId: file.cameraId)
                }
            }
        }
    }

    func requestRegeneration(imageId: Int64, cameraId: Int64) async {
        do {
            guard try await settings.current().generateThumbnails,
                  try await database.read({ try await CameraStore.fetchOne($0, id: cameraId) })?.generateThumbnails == true
            else { return }
            try await queue.enqueue(imageId: imageId, priority: .medium)
        } catch {
            logger.warning("could not queue the regeneration of a missing variant",
                           metadata: ["image_id": "\(imageId)", "error": "\(error)"])
        }
    }
}
