import ArgumentParser
import HTTPAPI
import Hummingbird
import Logging

/// `timelapser serve`: HTTP API, dashboard, thumbnail worker and camera capture in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the server.")

    @OptionGroup var options: ServerOptions
    @OptionGroup var log: LogOptions

    func run() async throws {
        let configuration = try options.resolved()
        let logger = try log.bootstrap(label: "timelapser")
        logger.info("timelapser \(BuildInfo.description)")
        let app = try await buildApplication(configuration, logger: logger, checkDataDirectory: true)
        if let warning = AuthWarning.text(mode: configuration.effectiveAuthMode, host: configuration.host) {
            logger.critical("\(warning)")
        }
        logger.info("serving", metadata: ["address": "\(configuration.host):\(configuration.port)",
                                          "database": "\(configuration.database.engine.rawValue)",
                                          "data_dir": "\(configuration.layout.root)"])
        try await app.runService()
    }
}
