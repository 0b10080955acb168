import ArgumentParser
import Logging
import ServiceLifecycle

/// `timelapser worker`: the thumbnail worker alone (with `--renders`, video renders too), for extra processes or
/// hosts sharing one PostgreSQL database and one data directory.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run a thumbnail worker only.")

    @OptionGroup var storage: StorageOptions
    @OptionGroup var worker: WorkerOptions
    @Flag(help: "Also take video renders (up to max_concurrent_renders at once).") var renders = false
    @OptionGroup var log: LogOptions

    func run() async throws {
        var configuration = try storage.resolved()
        try worker.apply(to: &configuration)
        let logger = try log.bootstrap(label: "timelapser-worker")
        let composition = try await Composition.make(configuration, logger: logger, role: .tool)
        var services = composition.infrastructureServices
        if let listener = composition.jobNotificationListener { services.append(listener) }
        services.append(composition.worker)
        if renders { services.append(composition.renderWorker) }
        logger.info("worker started", metadata: ["workers": "\(configuration.workers)", "database": "\(configuration.database.engine.rawValue)"])
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
