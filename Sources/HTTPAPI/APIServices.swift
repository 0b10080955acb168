import CameraCapture
import Catalog
import Database
import DataDirectory
import Events
import ImageServing
import Maintenance
import NIOCore
import Access
import Notifications
import TimelapseExport
import StoragePlanning
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
    public var outages: OutageReader
    public var resolver: ImageVariantResolver
    public var maintenance: ThumbnailMaintenance
    public var videos: VideoService
    public var webhooks: WebhookService
    public var cameraTester: CameraTester
    public var layout: DataLayout
    public var apiToken: String?
    public var storage: StorageService
    public var retention: RetentionService
    /// How requests are authenticated; `users` needs ``access``.
    public var authMode: AuthMode
    public var access: AccessService
    public var audit: AuditLog
    public var shares: ShareLinks
    /// Timelapses as ZIP archives (`GET /api/timelapses/{id}/export`).
    public var exporter: TimelapseExporter
    /// Shown by health when the server is open to the network (``AuthWarning``).
    public var authWarning: String?
    /// Reverse proxies whose `X-Forwarded-For`/`X-Forwarded-Proto` are believed (IP addresses or CIDR ranges; ``ClientAddress``).
    public var trustedProxies: [String] = []
    /// The server itself serves HTTPS (`--tls-cert`): the session cookie is `Secure`.
    public var servesTLS = false
    /// This binary's version and build (health).
    public var version = ""
    public var build = ""
    /// Bytes of recently served thumbnails and smalls (``ImageFastPath``); its budget follows `serving_cache_bytes`.
    let servedBytes = ServedBytesCache(budget: Settings().servingCacheBytes)
    let fastAnswers = FastPathCount()
    let fastAnswerTable = FastAnswerTable()

    public init(engine: DatabaseEngine, cameras: CameraService, timelapses: TimelapseService, frames: FrameService,
                ingest: FrameIngest, settings: SettingsService, queue: ThumbnailJobQueue, disk: DiskGuard,
                performance: ThumbnailPerformanceService, events: EventBus, outages: OutageReader,
                resolver: ImageVariantResolver, maintenance: ThumbnailMaintenance, videos: VideoService,
                cameraTester: CameraTester, layout: DataLayout,
                apiToken: String?, webhooks: WebhookService, storage: StorageService, retention: RetentionService,
                authMode: AuthMode, access: AccessService, audit: AuditLog, shares: ShareLinks, exporter: TimelapseExporter) {
        self.exporter = exporter
        self.shares = shares
        self.authMode = authMode
        self.access = access
        self.audit = audit
        self.storage = storage
        self.retention = retention
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
        self.outages = outages
        self.resolver = resolver
        self.maintenance = maintenance
        self.videos = videos
        self.webhooks = webhooks
        self.cameraTester = cameraTester
        self.layout = layout
        self.apiToken = apiToken
    }
}

extension APIServices {
    /// The channel handlers the HTTP server adds to every connection (HTTP/1.1) or stream (HTTP/2), after HTTP
    /// decoding and before the router: the fast image path (``ImageFastPathHandler``).
    public func makeChannelHandlers() -> [any RemovableChannelHandler] {
        [ImageFastPathHandler(ImageFastPath(resolver: resolver, bytes: servedBytes, authMode: authMode, access: access,
                                            answered: fastAnswers, entries: fastAnswerTable))]
    }
}
