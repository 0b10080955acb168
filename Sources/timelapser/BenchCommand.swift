import ArgumentParser
import Foundation
import Imaging

/// `timelapser bench …`: the project's benchmarks (`make bench` runs them beside the anchors).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks.",
        subcommands: [ImagingBench.self, QueueBench.self, PipelineBench.self])
}

/// Both variants of every JPEG of a folder; prints `{"images": N, "seconds": S}` last (anchors.py's contract).
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
