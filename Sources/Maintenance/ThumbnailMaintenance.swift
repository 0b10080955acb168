import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import Logging
import TimelapserCore

/// What every maintenance operation works with.
public struct MaintenanceContext: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let events: EventBus
    let logger: Logger
    /// Checked before anything that deletes files or clears paths.
    let dataDirectory: DataDirectoryGuard

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, queue: ThumbnailJobQueue,
                events: EventBus, logger: Logger) {
        self.dataDirectory = DataDirectoryGuard(database: database, layout: layout, logger: logger)
        self.database = database
        self.layout = layout
        self.settings = settings
        self.queue = queue
        self.events = events
        self.logger = logger
    }
}

/// A maintenance operation: one type per operation, each working on the shared ``MaintenanceContext``.
protocol MaintenanceOperation: Sendable {
    var context: MaintenanceContext { get }
}

extension MaintenanceOperation {
    var database: TimelapserDatabase { context.database }
    var layout: DataLayout { context.layout }
    var settings: SettingsService { context.settings }
    var queue: ThumbnailJobQueue { context.queue }
    var events: EventBus { context.events }
    var logger: Logger { context.logger }

    func requireTimelapse(_ id: Int64) async throws -> TimelapseRecord {
        guard let timelapse = try await database.read({ try await TimelapseStore.fetchOne($0, id: id) }) else {
            throw MaintenanceError.timelapseNotFound(id)
        }
        return timelapse
    }
}

/// The maintenance of thumbnails and smalls, one operation per type: regenerate-all sessions, verify, repair,
/// cleanup, delete-all, statistics and per-timelapse generation. The API, the CLI and the monitor call these.
public struct ThumbnailMaintenance: Sendable {
    public let regeneration: RegenerationSessions
    public let verifier: ThumbnailVerifier
    public let repair: OrphanRepair
    public let cleanup: OrphanCleanup
    public let deletion: VariantDeletion
    public let statistics: MaintenanceStatistics
    public let generation: TimelapseThumbnailGeneration
    /// Whether the data directory is the database's; destructive operations (here and retention) check it first.
    public let dataDirectory: DataDirectoryGuard

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, queue: ThumbnailJobQueue,
                events: EventBus, logger: Logger) {
        let context = MaintenanceContext(database: database, layout: layout, settings: settings, queue: queue,
                                         events: events, logger: logger)
        regeneration = RegenerationSessions(context: context)
        verifier = ThumbnailVerifier(context: context)
        repair = OrphanRepair(context: context)
        cleanup = OrphanCleanup(context: context)
        deletion = VariantDeletion(context: context)
        statistics = MaintenanceStatistics(context: context)
        generation = TimelapseThumbnailGeneration(context: context)
        dataDirectory = context.dataDirectory
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
    /// The data directory is not the database's (empty, unmounted or another instance's): nothing was touched.
    case dataDirectoryMismatch(reason: String)
    /// Cleanup or repair would delete more of the scanned files than `cleanup_max_delete_percent` allows.
    case tooManyDeletions(reason: String)
}
