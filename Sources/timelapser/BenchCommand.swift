import ArgumentParser
import Benchmarks
import Database
import DataDirectory
import Foundation
import TimelapserCore
import Imaging
import Logging
import ServiceLifecycle

/// `timelapser bench …`: the project's benchmarks (`make bench` runs them beside the anchors). The measuring code
/// is the Benchmarks module; these commands parse options and start what is measured.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks.",
        subcommands: [ImagingBench.self, QueueBench.self, PipelineBench.self])
}

/// Both variants of every JPEG of a folder; prints `{"images": N, "seconds": S}` last, as the imaging anchors harness of `make bench` expects.
struct ImagingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "imaging", abstract: "Variant generation over a corpus.")

    @Option(help: "Folder of *.jpg.") var corpus: String
    @Option(help: "Output folder (<stem>_small.jpg, <stem>_thumb.jpg).") var out: String
    @Option(help: "Threads.") var threads: Int = 1

    func run() async throws {
        let result = try CorpusBenchmark.run(corpus: corpus, out: out, threads: threads, generator: VariantGenerator())
        print(#"{"images": \#(result.images), "seconds": \#(result.seconds)}"#)
    }
}

/// The queue's ceiling with no-op jobs.
struct QueueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "Queue throughput with no-op jobs.")

    @Option(name: .customLong("database-url"), help: "sqlite:///path or postgres://… (a scratch database).") var databaseURL: String
    @Option(help: "Jobs.") var jobs: Int = 20_000
    @Option(help: "Claim batch size.") var batch: Int = 5
    @Option(help: "Concurrent claimers.") var concurrency: Int = 1

    func run() async throws {
        print(try await QueueBenchmark.run(databaseURL: databaseURL, jobs: jobs, batch: batch, concurrency: concurrency))
    }
}

/// Capture-to-thumbnail latency and regeneration rate through the application `serve` runs.
struct PipelineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline", abstract: "Capture-to-thumbnail latency and regeneration rate.")

    @Option(name: .customLong("database-url"), help: "A scratch database (sqlite:///… or postgres://…).") var databaseURL: String
    @Option(name: .customLong("data-dir"), help: "A scratch data directory.") var dataDir: String
    @Option(help: "A 1920×1080 JPEG used as every frame.") var frame: String
    @Option(help: "Captures per latency run.") var captures: Int = 200
    @Option(help: "Steady capture rate for the loaded run (per second).") var rate: Double = 10
    @Option(help: "Frames for the regeneration run.") var regenerate: Int = 2000
    @Option(help: "Worker threads.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: frame)))
        let port = BenchStatistics.freePort()
        let configuration = AppConfiguration(host: "127.0.0.1", port: port, layout: DataLayout(root: dataDir),
                                             database: try DatabaseLocation(url: databaseURL), workers: workers, apiToken: nil)
        let composition = try await Composition.make(configuration, logger: logger)
        let group = ServiceGroup(services: [buildApplication(composition)], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(500))
            let benchmark = PipelineBenchmark(port: port, database: composition.database, queue: composition.queue,
                                              layout: configuration.layout)
            print(try await benchmark.run(frame: bytes, captures: captures, rate: rate, regenerate: regenerate, workers: workers))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
