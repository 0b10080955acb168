import Capture
import Events
import Foundation
import HTTPAPI
import Hummingbird
import Logging
import ServiceLifecycle
import Storage
import Thumbnails

/// The composition root: the one place that knows every concrete type and wires them.
struct Composition: Sendable {
    let configuration: AppConfiguration
    let database: TimelapserDatabase
    let events: EventBus
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let thumbnails: ThumbnailService
    let relay: PostgresEventRelay?
    let rejections = RejectedFrameCounter()
    let logger: Logger

    static func make(_ configuration: AppConfiguration, logger: Logger) async throws -> Composition {
        try FileManager.default.createDirectory(atPath: configuration.layout.root, withIntermediateDirectories: true)
        MetricsBootstrap.bootstrapOnce()
        let database = try await TimelapserDatabase.openMigrated(configuration.database, logger: logger)
        let origin = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        let relay = database.engine == .postgresql ? PostgresEventRelay(database: database, origin: origin, logger: logger) : nil
        let events = EventBus(relay: relay)
        return Composition(
            configuration: configuration, database: database, events: events,
            settings: SettingsService(database: database),
            queue: ThumbnailJobQueue(database: database, wake: WakeSignal(), leaseDuration: .seconds(configuration.jobLeaseSeconds)),
            thumbnails: ThumbnailService(database: database, layout: configuration.layout, events: events, logger: logger),
            relay: relay, logger: logger)
    }

    var ingest: FrameIngest {
        FrameIngest(database: database, layout: configuration.layout, settings: settings, queue: queue, events: events, logger: logger)
    }

    /// The thumbnail worker of this process.
    var worker: ThumbnailWorker {
        ThumbnailWorker(queue: queue, thumbnails: thumbnails, settings: settings, events: events, layout: configuration.layout,
                        concurrency: configuration.workers, logger: logger)
    }

    /// Wakes this process's worker when another process queues a job (PostgreSQL NOTIFY).
    var jobNotificationListener: (any Service)? {
        database.engine == .postgresql ? JobNotificationListener(database: database, wake: queue.wake, logger: logger) : nil
    }

    var maintenance: ThumbnailMaintenance {
        ThumbnailMaintenance(database: database, layout: configuration.layout, settings: settings, queue: queue,
                             events: events, logger: logger)
    }

    var apiServices: APIServices {
        APIServices(
            engine: database.engine,
            cameras: CameraService(database: database, layout: configuration.layout, events: events, rejections: rejections),
            timelapses: TimelapseService(database: database, layout: configuration.layout, settings: settings,
                                         thumbnails: thumbnails, events: events),
            frames: FrameService(database: database, layout: configuration.layout, events: events),
            ingest: ingest, settings: settings, queue: queue,
            performance: ThumbnailPerformanceService(database: database, settings: settings), events: events,
            resolver: ImageVariantResolver(database: database, layout: configuration.layout, settings: settings, queue: queue,
                                           events: events, logger: logger),
            maintenance: maintenance,
            apiToken: configuration.apiToken)
    }

    /// Grabs frames from cameras with a URL and a running timelapse.
    var captureScheduler: CaptureScheduler {
        CaptureScheduler(database: database, ingest: ingest, rejections: rejections, logger: logger)
    }

    /// Services every process runs before its own: the database pool and the cross-process event listener.
    var infrastructureServices: [any Service] {
        var services: [any Service] = [DatabaseCloser(database: database)]
        if let client = database.clientService { services.append(client) }
        if let relay { services.append(relay.listener(bus: events)) }
        return services
    }
}

/// Builds the HTTP application of `serve` (tests build the same one).
func buildApplication(_ configuration: AppConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    let composition = try await Composition.make(configuration, logger: logger)
    let apiServices = composition.apiServices
    let router = buildRouter(apiServices)
    var services = composition.infrastructureServices
    services.append(apiServices.resolver.cacheInvalidation)
    if let listener = composition.jobNotificationListener { services.append(listener) }
    services.append(composition.worker)
    services.append(composition.captureScheduler)
    services.append(RegenerationMonitor(maintenance: composition.maintenance))
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Timelapser"),
        services: services,
        logger: logger)
}
