import Events
import Foundation
import Logging
import Storage

/// Maintenance of thumbnails and smalls: statistics, regenerate-all sessions, verify, repair, cleanup and
/// delete-all (ThumbnailService and OrphanedFileRepairService of the reference).
public struct ThumbnailMaintenance: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let events: EventBus
    let logger: Logger

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, queue: ThumbnailJobQueue,
                events: EventBus, logger: Logger) {
        self.database = database
        self.layout = layout
        self.settings = settings
        self.queue = queue
        self.events = events
        self.logger = logger
    }
}
