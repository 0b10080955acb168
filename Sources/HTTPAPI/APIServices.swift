import Capture
import Events
import Storage
import Thumbnails

/// Everything the routes call, built once by the composition root.
public struct APIServices: Sendable {
    public var engine: DatabaseEngine
    public var cameras: CameraService
    public var timelapses: TimelapseService
    public var frames: FrameService
    public var settings: SettingsService
    public var queue: ThumbnailJobQueue
    public var events: EventBus
    public var apiToken: String?

    public init(engine: DatabaseEngine, cameras: CameraService, timelapses: TimelapseService, frames: FrameService,
                settings: SettingsService, queue: ThumbnailJobQueue, events: EventBus, apiToken: String?) {
        self.engine = engine
        self.cameras = cameras
        self.timelapses = timelapses
        self.frames = frames
        self.settings = settings
        self.queue = queue
        self.events = events
        self.apiToken = apiToken
    }
}
