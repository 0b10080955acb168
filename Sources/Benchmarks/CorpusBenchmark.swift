import Foundation
import TimelapserCore
import Imaging
import Synchronization

/// Makes both variants of every `*.jpg` of a folder, for benchmarking.
public struct CorpusBenchmark {
    /// Writes `<stem>_small.jpg` (800×600 box, q85) and `<stem>_thumb.jpg` (200×150,
    /// q80) into `out` for every `*.jpg` in `corpus` (sorted), on `threads` threads.
    /// `seconds` is the wall time of reading, generating and writing, not start-up.
    public static func run(corpus: String, out: String, threads: Int, generator: VariantGenerator) throws -> (images: Int, seconds: Double) {
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus)
            .filter { $0.hasSuffix(".jpg") }
            .sorted()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // Largest files first, so that with several threads no big file starts last
        // (outputs do not depend on the order).
        let work = names.map { name -> (String, Int) in
            let size = (try? FileManager.default.attributesOfItem(atPath: corpus + "/" + name)[.size] as? Int) ?? 0
            return (name, size)
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        let next = Atomic<Int>(0)
        let failure = Mutex<(any Error)?>(nil)
        let workers = max(1, threads)
        let small = VariantSpec.small(quality: 85), thumb = VariantSpec.thumbnail(quality: 80)
        let start = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= names.count { return }
                let name = work[i]
                let stem = String(name.dropLast(4))
                do {
                    let v = try generator.makeVariants(path: corpus + "/" + name, thumbnail: thumb, small: small)
                    try Data(v.small!.bytes).write(to: URL(fileURLWithPath: out + "/" + stem + "_small.jpg"))
                    try Data(v.thumbnail.bytes).write(to: URL(fileURLWithPath: out + "/" + stem + "_thumb.jpg"))
                } catch {
                    failure.withLock { $0 = $0 ?? BenchmarkFailure(file: name, error: error) }
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        if let error = failure.withLock({ $0 }) { throw error }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (names.count, seconds)
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let file: String
    let error: any Error
    var description: String { "\(file): \(error)" }
}
