import Foundation
import Logging
import Storage

/// Decides which file answers a request for an image variant (the fallback cascade).
public struct ImageVariantResolver: Sendable {
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

import Events
