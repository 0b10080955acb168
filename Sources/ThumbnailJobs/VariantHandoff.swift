import DataDirectory
import Foundation
import Imaging
import NIOPosix
import Synchronization
import TimelapserCore

/// Variants a capture makes from its corruption check's decode (``PendingVariants``), waiting for the thumbnail job
/// of the same frame in this process: the worker then writes them instead of reading and decoding the frame again.
///
/// Keyed by the frame's stored path and matched on what the job asks for (sizes, qualities, the camera's crop and
/// rotation) and the frame's size; anything else, a job in another process, or an entry gone stale, decodes from
/// disk as before. Entries are few and short-lived: at most ``maxEntries``, for at most ``lifetime``.
public final class VariantHandoff: Sendable {
    /// What a set of variants answers.
    public struct Request: Equatable, Sendable {
        public var thumbnail: VariantSpec
        public var small: VariantSpec?
        public var transform: FrameTransform

        public init(thumbnail: VariantSpec, small: VariantSpec?, transform: FrameTransform) {
            self.thumbnail = thumbnail
            self.small = small
            self.transform = transform
        }

        /// What the settings ask of a job: the qualities, the formats (`variant_formats`), and whether a small.
        public init(settings: Settings, makeSmall: Bool, transform: FrameTransform) {
            self.init(thumbnail: .thumbnail(quality: settings.thumbnailQuality, webp: settings.writesWebP),
                      small: makeSmall ? .small(quality: settings.smallQuality, webp: settings.writesWebP) : nil, transform: transform)
        }
    }

    /// Variants made at capture, and the pixel work they cost there (the decode and the making): the job records
    /// it as its processing time, so estimates of bulk work (which always decodes) stay honest.
    public struct Prepared: Sendable {
        var written: ThumbnailService.Written
        var pixelTime: Duration
    }

    /// Variants made at capture, not yet written (their names come from the frame's, known once it is stored).
    struct Made: Sendable {
        var variants: GeneratedVariants
        var pixelTime: Duration
    }

    /// The threads of a capture's own pixel work (making its variants from the check's decode), apart from
    /// `NIOThreadPool.singleton`, where the database's statements run: a commit never waits behind an encode. One per
    /// process, started on first use. The writes go to ``DurableWrites``.
    static let pixelPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// Where a capture stages its frame (a file write and its sync).
    public static var writePool: NIOThreadPool { DurableWrites.pool }

    static let maxEntries = 64
    static let lifetime: Duration = .seconds(60)

    private struct Entry {
        var request: Request
        var frameBytes: Int
        var variants: Task<Prepared, any Error>
        var at: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// False where no thumbnail worker runs in the process (an import): captures then prepare nothing.
    public let isEnabled: Bool
    /// Where files written for an offer that no job takes are removed from.
    let layoutForCleanup: DataLayout?

    public init(enabled: Bool = true, layout: DataLayout? = nil) {
        isEnabled = enabled
        layoutForCleanup = layout
    }

    /// Variants being made in the background, not yet offered to a job.
    public struct Started: Sendable {
        let request: Request
        let variants: Task<Made, any Error>

        /// Gives up on them (the frame was not stored).
        public func cancel() { variants.cancel() }
    }

    /// Starts making `pending`'s variants now, in the background, while the capture stores its frame.
    /// `decodeTime`: what the check's decode took.
    public static func start(_ pending: PendingVariants, decodeTime: Duration) -> Started {
        Started(request: Request(thumbnail: pending.thumbnail, small: pending.small, transform: pending.transform),
                variants: Task {
                    // On the thread pool: the tasks' few threads stay free for the capture's own request path.
                    try await Self.pixelPool.runIfActive {
                        let began = ContinuousClock.now
                        let variants = try pending.make()
                        return Made(variants: variants, pixelTime: decodeTime + began.duration(to: .now))
                    }
                })
    }

    /// Offers started variants to the job of the frame stored at `framePath`, writing them (atomically, as the
    /// worker would) beside it as soon as they are made: files before rows, so nothing names a file not yet there.
    public func offer(_ started: Started, framePath: String, frameBytes: Int, layout: DataLayout, owner: TempOwner) {
        let request = started.request, made = started.variants
        let variants = Task<Prepared, any Error> {
            let result = try await made.value
            try Task.checkCancellation()
            // Syncs block: on the thread pool, never on the tasks' few threads (the capture's commit and the worker
            // wait for those).
            let written = try await DurableWrites.pool.runIfActive {
                try ThumbnailService.write(result.variants, framePath: framePath, layout: layout, owner: owner)
            }
            return Prepared(written: written, pixelTime: result.pixelTime)
        }
        let now = ContinuousClock.now
        let dropped: [Task<Prepared, any Error>] = entries.withLock { entries in
            var dropped: [Task<Prepared, any Error>] = []
            for (path, entry) in entries where now - entry.at > Self.lifetime || entries.count >= Self.maxEntries {
                entries[path] = nil
                dropped.append(entry.variants)
            }
            if let old = entries.updateValue(Entry(request: request, frameBytes: frameBytes, variants: variants, at: now), forKey: framePath) {
                dropped.append(old.variants)
            }
            return dropped
        }
        for task in dropped { task.cancel() }
    }

    /// The variants made for the frame at `framePath` if they answer `request`; the entry is removed either way.
    public func take(framePath: String, frameBytes: Int, request: Request) -> Task<Prepared, any Error>? {
        let entry = entries.withLock { $0.removeValue(forKey: framePath) }
        guard let entry else { return nil }
        guard entry.request == request, entry.frameBytes == frameBytes, ContinuousClock.now - entry.at <= Self.lifetime else {
            entry.variants.cancel()
            // The job makes its own variants under the same names; a small it will not make (latest_only on an older
            // frame) must not stay behind as an orphan, nor WebP companions it will not write (WebP turned off).
            let dropSmall = request.small == nil && entry.request.small != nil
            let dropWebP = entry.request.thumbnail.webp && !request.thumbnail.webp
            if dropSmall || dropWebP, let layout = layoutForCleanup {
                Task.detached {
                    guard let prepared = try? await entry.variants.value else { return }
                    let files = FileRemoval(layout: layout)
                    if dropSmall, let small = prepared.written.small { files.removeVariant(small.path) }
                    if dropWebP {
                        for variant in [prepared.written.thumbnail, prepared.written.small].compactMap({ $0 }) {
                            files.removeFile(VariantFormat.webpPath(forVariantPath: variant.path))
                        }
                    }
                }
            }
            return nil
        }
        return entry.variants
    }

    /// Drops what was offered for a frame that was not stored after all, and removes the variant files already
    /// written for it.
    public func withdraw(framePath: String, layout: DataLayout) {
        guard let entry = entries.withLock({ $0.removeValue(forKey: framePath) }) else { return }
        entry.variants.cancel()
        Task.detached {
            guard let prepared = try? await entry.variants.value else { return }
            for variant in [prepared.written.thumbnail, prepared.written.small].compactMap({ $0 }) {
                FileRemoval(layout: layout).removeVariant(variant.path)
            }
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
