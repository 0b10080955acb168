import Catalog
import Database
import DataDirectory
import Events
import ImageServing
import Maintenance
import ThumbnailJobs
import TimelapserCore
import Videos

/// Everything the routes call, built once by the composition root.
public struct APIServices: Sendable {
    public var engine: DatabaseEngine
    public var cameras: CameraService
    public var timelapses: TimelapseService
    public var frames: FrameService
    public var ingest: FrameIngest
    public var settings: SettingsService
    public var queue: ThumbnailJobQueue
    public var disk: DiskGuard
    public var performance: ThumbnailPerformanceService
    public var events: EventBus
    public var resolver: ImageVariantResolver
    public var maintenance: ThumbnailMaintenance
    public var videos: VideoService
    public var layout: DataLayout
    public var apiToken: String?

    public init(engine: DatabaseEngine, cameras: CameraService, timelapses: TimelapseService, frames: FrameService,
                ingest: FrameIngest, settings: SettingsService, queue: ThumbnailJobQueue, disk: DiskGuard,
                performance: ThumbnailPerformanceService, events: EventBus,
                resolver: ImageVariantResolver, maintenance: ThumbnailMaintenance, videos: VideoService, layout: DataLayout,
                apiToken: String?) {
        self.engine = engine
        self.cameras = cameras
        self.timelapses = timelapses
        self.frames = frames
        self.ingest = ingest
        self.settings = settings
        self.queue = queue
        self.disk = disk
        self.performance = performance
        self.events = events
        self.resolver = resolver
        self.maintenance = maintenance
        self.videos = videos
        self.layout = layout
        self.apiToken = apiToken
    }
}
