import Foundation
import Synchronization

/// How much memory decoding a JPEG takes, read from its header before any pixel is decoded.
public enum DecodeCost {
    /// Bytes a decode of `data` holds at its peak. A progressive stream keeps every DCT coefficient of the image
    /// (two bytes each, per component at its sampling) whatever the output scale; a sequential one only a few rows
    /// and the scaled output, counted generously as a sixteenth of the full image. The header is parsed once, and a
    /// frame over `limits` is refused (`tooManyPixels`) before its cost is worked out.
    public static func bytes(_ data: [UInt8], limits: ImageLimits = ImageLimits(maxSourcePixels: .max)) throws(ImagingError) -> Int {
        bytes(try VariantGenerator(limits: limits).header(data))
    }

    /// The same, from the first 64 KiB of a file (the whole file when its header is longer): a thumbnail job reads
    /// the frame again to decode it, so only the header is read here.
    public static func bytes(path: String) throws(ImagingError) -> Int {
        do {
            return try bytes(try FileIO.read(path, limit: 64 << 10).bytes)
        } catch .truncated {
            return try bytes(try FileIO.read(path).bytes)
        }
    }

    static func bytes(_ header: JPEGHeader) -> Int {
        let floor = 4 << 20
        guard header.isProgressive else { return floor + header.width * header.height * header.components / 16 }
        let hMax = header.sampling.map(\.h).max() ?? 1, vMax = header.sampling.map(\.v).max() ?? 1
        var coefficients = 0
        for component in header.sampling {
            let columns = (header.width * component.h + 8 * hMax - 1) / (8 * hMax)
            let rows = (header.height * component.v + 8 * vMax - 1) / (8 * vMax)
            coefficients += columns * rows * 64
        }
        return floor + coefficients * 2
    }
}

/// The bytes all decodes of a process may hold at once: ingest checks and thumbnail jobs (and renders) reserve
/// their ``DecodeCost`` before decoding and wait, in order, while others hold it. A frame whose cost alone exceeds
/// the budget is refused rather than decoded.
public final class DecodeMemoryBudget: Sendable {
    public let capacity: Int
    private let state = Mutex(State())

    struct State {
        var used = 0
        var waiters: [(id: UInt64, bytes: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextId: UInt64 = 0
    }

    public init(capacity: Int) { self.capacity = max(capacity, 1) }

    /// Runs `body` while holding `bytes` of the budget (waiting for them first).
    public func withReservation<T: Sendable>(_ bytes: Int, _ body: () async throws -> T) async throws -> T {
        guard bytes <= capacity else { throw ImagingError.overMemoryBudget(needed: bytes, budget: capacity) }
        await acquire(bytes)
        defer { release(bytes) }
        return try await body()
    }

    /// Bytes reserved now.
    public var used: Int { state.withLock { $0.used } }

    func acquire(_ bytes: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                // First come, first served: nobody overtakes a waiting reservation.
                if state.waiters.isEmpty, state.used + bytes <= capacity {
                    state.used += bytes
                    return true
                }
                state.waiters.append((state.nextId, bytes, continuation))
                state.nextId += 1
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release(_ bytes: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.used -= bytes
            var ready: [CheckedContinuation<Void, Never>] = []
            while let first = state.waiters.first, state.used + first.bytes <= capacity {
                state.used += first.bytes
                ready.append(first.continuation)
                state.waiters.removeFirst()
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}
