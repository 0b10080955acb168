import ArgumentParser
import Foundation
import Logging
import Synchronization
import TimelapserCore

/// How `serve` and `worker` log: plain text (the default) or one JSON object per line, at a level.
struct LogOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: .customLong("log-format"), help: "text or json: one JSON object per line, for journald and log shippers (env TIMELAPSER_LOG_FORMAT).")
    var format: Format?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env TIMELAPSER_LOG_LEVEL; default info).")
    var level: String?

    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (Format, Logger.Level) {
        let formatText = format?.rawValue ?? environment["TIMELAPSER_LOG_FORMAT"] ?? "text"
        guard let format = Format(rawValue: formatText.lowercased()) else {
            throw ValidationError("log format must be text or json, not \(formatText)")
        }
        let levelText = level ?? environment["TIMELAPSER_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("log level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not \(levelText)")
        }
        return (format, level)
    }

    /// Sets up logging for the process (once) and returns its logger.
    func bootstrap(label: String) throws -> Logger {
        let (format, level) = try resolved()
        LogBootstrap.once(format: format)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// `LoggingSystem.bootstrap` may run once per process.
enum LogBootstrap {
    private static let done = Mutex(false)

    static func once(format: LogOptions.Format) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        switch format {
        case .text: LoggingSystem.bootstrap(StreamLogHandler.standardError)
        case .json: LoggingSystem.bootstrap(JSONLineLogHandler.init)
        }
    }
}

/// One JSON object per line on standard error: `time`, `level`, `label`, `message`, `source`, then the metadata.
struct JSONLineLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private static let output = Mutex(FileHandle.standardError)

    func log(event: LogEvent) {
        var object: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) { object[key] = "\(value)" }
        if let error = event.error { object["error"] = "\(error)" }
        object["time"] = JSONDate.string(Date())
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = "\(event.message)"
        object["source"] = event.source
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        Self.output.withLock { $0.write(data) }
    }
}
