import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import Logging
import TimelapserCore

/// Maintenance of thumbnails and smalls: statistics, regenerate-all sessions, verify, repair, cleanup and
/// delete-all (ThumbnailService and OrphanedFileRepairService of the reference). The operations live in
/// `Maintenance/`, one file each.
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

    func requireTimelapse(_ id: Int64) async throws -> TimelapseRecord {
        guard let timelapse = try await database.read({ try await TimelapseStore.fetchOne($0, id: id) }) else {
            throw MaintenanceError.timelapseNotFound(id)
        }
        return timelapse
    }
}

/// Why a maintenance operation was refused; HTTPAPI maps each to a status.
public enum MaintenanceError: Error, Sendable, Equatable {
    /// A regenerate-all session is already running.
    case regenerationActive(sessionId: Int64)
    /// Cancel was asked with no session running.
    case noActiveRegeneration
    case timelapseNotFound(Int64)
    /// A destructive operation was asked without its confirmation.
    case confirmationRequired(String)
}
