import Events
import Foundation
import Logging
import Storage

/// Variant generation and the settings rules around it.
public struct ThumbnailService: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let events: EventBus
    let logger: Logger

    public init(database: TimelapserDatabase, layout: DataLayout, events: EventBus, logger: Logger) {
        self.database = database
        self.layout = layout
        self.events = events
        self.logger = logger
    }

    /// Deletes every small of a timelapse (purge on completion): paths cleared and counts rewritten in one
    /// transaction, files unlinked after it commits.
    public func purgeSmalls(timelapseId: Int64) async throws {
        let paths = try await database.transaction { db in
            try await ImageStore.clearVariants(db, kind: .small, timelapseId: timelapseId)
        }
        for path in paths { unlinkVariant(path) }
    }

    /// Unlinks a variant file by its stored relative path; a link is removed as a link.
    func unlinkVariant(_ relative: String) {
        guard let path = layout.absolutePath(relative) else { return }
        unlink(path)
    }
}
