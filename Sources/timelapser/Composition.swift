import CameraCapture
import Access
import Catalog
import Database
import DataDirectory
import Events
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdCore
import ImageServing
import Imaging
import Logging
import Maintenance
import Notifications
import ServiceLifecycle
import StoragePlanning
import TimelapseExport
import ThumbnailJobs
import TimelapserCore
import Videos

/// What a process is, for the events it shares with others.
enum ProcessRole: Sendable {
    /// `serve`: receives every other process's events for its SSE clients and serving cache.
    case server
    /// `worker`, `import`, `thumbnails …`: sends its events to the server.
    case tool
}

/// The composition root: the one place that knows every concrete type and wires them. Everything is built once,
/// in ``make(_:logger:role:)``; the properties only hand out what was built.
struct Composition: Sendable {
    let configuration: AppConfiguration
    let database: TimelapserDatabase
    let events: EventBus
    let relay: CrossProcessEventRelay?
    /// Whether this process re-publishes other processes' events (``relay``'s listener runs).
    let listensToOtherProcesses: Bool
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let thumbnails: ThumbnailService
    let disk: DiskGuard
    let ingest: FrameIngest
    let maintenance: ThumbnailMaintenance
    let resolver: ImageVariantResolver
    let rejections: RejectedFrameCounter
    let videos: VideoService
    let webhooks: WebhookService
    let retention: RetentionService
    let renderer: VideoRenderer
    let apiServices: APIServices
    let logger: Logger

    static func make(_ configuration: AppConfiguration, logger: Logger, role: ProcessRole = .server) async throws -> Composition {
        try FileManager.default.createDirectory(atPath: configuration.layout.root, withIntermediateDirectories: true)
        MetricsBootstrap.bootstrapOnce()
        let layout = configuration.layout
        let database = try await TimelapserDatabase.openMigrated(configuration.database, logger: logger)
        let origin = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        let relay = CrossProcessEventRelay(notifications: DatabaseNotifications(database: database), origin: origin, logger: logger)
        // PostgreSQL's NOTIFY costs nothing to send: every process sends and listens. On SQLite each notification is
        // a row, so only tools send (the server's own events have no other reader) and only the server listens.
        let postgres = database.engine == .postgresql
        let events = EventBus(relay: postgres || role == .tool ? relay : nil, origin: origin)
        let listens = postgres || role == .server
        let settings = SettingsService(database: database)
        let queue = ThumbnailJobQueue(database: database, wake: WakeSignal(), leaseDuration: .seconds(configuration.jobLeaseSeconds))
        let budget = DecodeMemoryBudget(capacity: configuration.decodeMemoryBytes)
        // Variants a capture makes from its corruption check's decode reach this process's worker through it.
        // Only a server has a worker in the process to take them: a tool (an import) decodes once, as before.
        let handoff = VariantHandoff(enabled: role == .server, layout: layout)
        let thumbnails = ThumbnailService(database: database, layout: layout, budget: budget, handoff: handoff)
        let disk = DiskGuard(layout: layout, settings: settings, events: events, wake: queue.wake, logger: logger)
        let ingest = FrameIngest(database: database, layout: layout, settings: settings, queue: queue, events: events,
                                 disk: disk, budget: budget, handoff: handoff, logger: logger)
        let maintenance = ThumbnailMaintenance(database: database, layout: layout, settings: settings, queue: queue,
                                               events: events, logger: logger)
        let resolver = ImageVariantResolver(database: database, layout: layout, settings: settings, queue: queue,
                                            events: events, logger: logger)
        let rejections = RejectedFrameCounter()
        let videos = VideoService(database: database, layout: layout, settings: settings, events: events, logger: logger)
        let webhooks = WebhookService(database: database, logger: logger)
        let renderer = VideoRenderer(layout: layout, pool: RenderDecodePool(), logger: logger)
        let frames = FrameService(database: database, layout: layout, events: events)
        let retention = RetentionService(database: database, settings: settings, frames: frames, videos: videos,
                                         dataDirectory: maintenance.dataDirectory, events: events, logger: logger)
        var apiServices = APIServices(
            engine: database.engine,
            cameras: CameraService(database: database, layout: layout, events: events, rejections: rejections, queue: queue),
            timelapses: TimelapseService(database: database, layout: layout, settings: settings, thumbnails: thumbnails, events: events),
            frames: frames,
            ingest: ingest, settings: settings, queue: queue, disk: disk,
            performance: ThumbnailPerformanceService(database: database, settings: settings), events: events,
            outages: OutageReader(database: database),
            resolver: resolver, maintenance: maintenance, videos: videos,
            cameraTester: CameraTester(database: database, ingest: ingest), layout: layout, apiToken: configuration.apiToken, webhooks: webhooks,
            storage: StorageService(database: database, layout: layout, settings: settings), retention: retention,
            authMode: configuration.effectiveAuthMode, access: AccessService(database: database, logger: logger),
            audit: AuditLog(database: database, logger: logger), shares: ShareLinks(database: database),
            exporter: TimelapseExporter(database: database, layout: layout))
        apiServices.version = BuildInfo.version
        apiServices.build = BuildInfo.build
        apiServices.authWarning = AuthWarning.text(mode: configuration.effectiveAuthMode, host: configuration.host)
        apiServices.trustedProxies = configuration.trustedProxies
        apiServices.servesTLS = configuration.tlsCertificatePath != nil
        return Composition(
            configuration: configuration, database: database, events: events, relay: relay, listensToOtherProcesses: listens,
            settings: settings, queue: queue,
            thumbnails: thumbnails, disk: disk, ingest: ingest, maintenance: maintenance, resolver: resolver, rejections: rejections,
            videos: videos, webhooks: webhooks, retention: retention, renderer: renderer, apiServices: apiServices, logger: logger)
    }

    /// The thumbnail worker of this process.
    var worker: ThumbnailWorker {
        ThumbnailWorker(queue: queue, thumbnails: thumbnails, settings: settings, events: events, disk: disk, layout: configuration.layout,
                        concurrency: configuration.workers, logger: logger)
    }

    /// The video render worker of this process.
    var renderWorker: RenderWorker {
        RenderWorker(videos: videos, renderer: renderer, leaseDuration: .seconds(configuration.jobLeaseSeconds), logger: logger)
    }

    /// Queues a delivery per server event and webhook that wants it, and POSTs the queued deliveries.
    var webhookServices: [any Service] {
        [WebhookEventSubscriber(webhooks: webhooks, events: events, logger: logger),
         WebhookDeliveryWorker(webhooks: webhooks, retrySchedule: configuration.webhookRetrySeconds.map { .seconds($0) }, logger: logger)]
    }

    /// Fires each timelapse's render automation.
    var videoAutomation: VideoAutomationScheduler {
        VideoAutomationScheduler(videos: videos, interval: .seconds(configuration.automationIntervalSeconds), logger: logger)
    }

    /// Applies the enabled retention policies once a day.
    var retentionScheduler: RetentionScheduler {
        RetentionScheduler(retention: retention, interval: .seconds(configuration.retentionIntervalSeconds), logger: logger)
    }

    /// Wakes this process's worker when another process queues a job (PostgreSQL NOTIFY).
    var jobNotificationListener: (any Service)? {
        database.engine == .postgresql ? JobNotificationListener(database: database, wake: queue.wake, logger: logger) : nil
    }

    /// Grabs frames from cameras with a URL and a running timelapse.
    var captureScheduler: CaptureScheduler {
        CaptureScheduler(database: database, ingest: ingest, rejections: rejections,
                         outages: OutageLog(settings: settings, events: events, logger: logger), logger: logger)
    }

    /// Services every process runs before its own: the database pool and the cross-process event listener.
    var infrastructureServices: [any Service] {
        var services: [any Service] = [DatabaseCloser(database: database)]
        if let client = database.clientService { services.append(client) }
        if let relay, listensToOtherProcesses { services.append(relay.listener(bus: events)) }
        services.append(disk.monitor())
        return services
    }

    /// What `serve` runs beside the HTTP server, in start order (shut down in reverse).
    var serverServices: [any Service] {
        var services = infrastructureServices
        services.append(resolver.cacheInvalidation)
        if let listener = jobNotificationListener { services.append(listener) }
        services.append(worker)
        services.append(renderWorker)
        services.append(videoAutomation)
        services.append(contentsOf: webhookServices)
        services.append(captureScheduler)
        services.append(RegenerationMonitor(maintenance: maintenance))
        services.append(retentionScheduler)
        let environment = ProcessInfo.processInfo.environment
        if apiServices.authMode == .users, let name = environment["TIMELAPSER_ADMIN_USERNAME"], !name.isEmpty,
           let password = environment["TIMELAPSER_ADMIN_PASSWORD"], !password.isEmpty {
            services.append(AdminBootstrap(access: apiServices.access, username: name, password: password, logger: logger))
        }
        return services
    }
}

/// The database's notifications as the event relay's channel: LISTEN/NOTIFY on PostgreSQL, the notification
/// outbox on SQLite.
struct DatabaseNotifications: NotificationChannel {
    let database: TimelapserDatabase

    func notify(channel: String, payload: String) async throws {
        try await database.notify(channel: channel, payload: payload)
    }

    func listen(channel: String, onPayload: @Sendable (String) async -> Void) async throws {
        try await database.listen(channel: channel, onPayload: onPayload)
    }
}

/// Builds the HTTP application of `serve` (tests and the pipeline benchmark build the same one); `server` is plain
/// HTTP/1.1 unless given (``AppConfiguration/httpServer(channelHandlers:)``: HTTPS and HTTP/2 with
/// `--tls-cert`/`--tls-key`). Either way every connection gets the API's channel handlers (the fast image path).
///
/// `checkDataDirectory`: once the server listens, compare the data directory's marker with the database (`serve`
/// does, so a mismatch is logged at start; tests leave it to the first check, so no query races a quick shutdown).
func buildApplication(_ composition: Composition, server: HTTPServerBuilder? = nil,
                      checkDataDirectory: Bool = false) -> some ApplicationProtocol {
    let configuration = composition.configuration
    let dataDirectory = composition.maintenance.dataDirectory
    let services = composition.apiServices
    return Application(
        router: buildRouter(services),
        server: server ?? .http1(configuration: .init(additionalChannelHandlers: services.makeChannelHandlers())),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Timelapser"),
        services: composition.serverServices,
        onServerRunning: { _ in
            // Not awaited: the server accepts requests whatever the check takes.
            if checkDataDirectory { Task { _ = await dataDirectory.check() } }
        },
        logger: composition.logger)
}

/// Builds the HTTP application of `serve` from its configuration; a TLS certificate or key that cannot be used fails
/// here, before the database is opened.
func buildApplication(_ configuration: AppConfiguration, logger: Logger,
                      checkDataDirectory: Bool = false) async throws -> some ApplicationProtocol {
    let tls = try configuration.tlsConfiguration()
    let composition = try await Composition.make(configuration, logger: logger)
    let services = composition.apiServices
    let server: HTTPServerBuilder? = try tls.map { tls in
        try .http2Upgrade(tlsConfiguration: tls, configuration: .init(streamConfiguration: .init(
            additionalChannelHandlers: services.makeChannelHandlers())))
    }
    return buildApplication(composition, server: server, checkDataDirectory: checkDataDirectory)
}
