import Database
import DataDirectory
import Events
import Foundation
import Imaging
import Logging
import NIOPosix
import TimelapserCore

/// Why a job could not produce its variants.
public enum GenerationError: Error, Sendable, Equatable {
    case imageMissing(Int64)
    /// The frame file is gone or unreadable.
    case frameUnavailable(String)
    /// The frame cannot be decoded: retrying will not help.
    case badFrame(ImagingError)
    /// Writing a variant failed (permissions, I/O): may succeed later.
    case writeFailed(String)
    /// The data volume (or the database) had no room: the job waits for space, no attempt is counted.
    case diskFull(String)
    /// Another worker holds the job now (our lease expired); nothing was recorded.
    case leaseLost

    /// Whether a retry could succeed.
    public var isRetryable: Bool {
        switch self {
        case .badFrame, .imageMissing, .leaseLost: false
        case .frameUnavailable, .writeFailed, .diskFull: true
        }
    }

    public var message: String {
        switch self {
        case .imageMissing(let id): "image \(id) no longer exists"
        case .frameUnavailable(let detail): "frame unavailable: \(detail)"
        case .badFrame(let error): "\(error.reason): \(error.message)"
        case .writeFailed(let detail): "write failed: \(detail)"
        case .diskFull(let detail): "no space: \(detail)"
        case .leaseLost: "lease lost to another worker"
        }
    }
}

/// What a completed job changed.
public struct GenerationResult: Sendable {
    public var image: ImageRecord
    public var processingTimeMs: Int
}

/// Variant generation and the settings rules around it.
public struct ThumbnailService: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let budget: DecodeMemoryBudget
    /// Variants a capture in this process already made from its own decode (``VariantHandoff``).
    let handoff: VariantHandoff

    public init(database: TimelapserDatabase, layout: DataLayout, budget: DecodeMemoryBudget, handoff: VariantHandoff = VariantHandoff()) {
        self.database = database
        self.layout = layout
        self.budget = budget
        self.handoff = handoff
    }

    /// Which variants a job makes under the current settings.
    struct Plan {
        var makeSmall: Bool
        /// latest_only: the smalls of these other images are deleted when this job commits.
        var clearOtherSmalls: Bool
        /// latest_only on an older frame: its own small goes.
        var clearOwnSmall: Bool
    }

    func plan(for image: ImageRecord, job: ThumbnailJobRecord, settings: Settings) async throws -> Plan {
        switch settings.smallGenerationMode {
        case .none:
            return Plan(makeSmall: false, clearOtherSmalls: false, clearOwnSmall: false)
        case .all:
            return Plan(makeSmall: job.includeSmalls, clearOtherSmalls: false, clearOwnSmall: false)
        case .latestOnly:
            let latest = try await database.read { try await ImageStore.fetchLatest($0, timelapseId: image.timelapseId) }
            let isLatest = latest?.id == image.id
            return Plan(makeSmall: isLatest && job.includeSmalls, clearOtherSmalls: isLatest, clearOwnSmall: !isLatest)
        }
    }

    /// Makes the variants of a claimed job and records them: files first (atomic writes on `pool`), then one
    /// transaction that completes the job (fenced by `workerId`), sets paths, sizes and counts.
    public func generate(job: ThumbnailJobRecord, workerId: String, settings: Settings, pool: NIOThreadPool) async throws -> GenerationResult {
        let started = ContinuousClock.now
        let (found, camera) = try await database.read { db -> (ImageRecord?, CameraRecord?) in
            guard let image = try await ImageStore.fetchOne(db, id: job.imageId) else { return (nil, nil) }
            return (image, try await CameraStore.fetchOne(db, id: image.cameraId))
        }
        guard let image = found else { throw GenerationError.imageMissing(job.imageId) }
        // The camera's crop and rotation, read once per job: a change re-queues the camera's images.
        let transform = camera?.frameTransform ?? .identity
        let plan = try await plan(for: image, job: job, settings: settings)
        let owner = TempOwner(workerID: workerId, jobID: job.id)
        let written: Written
        var pixelTimeElsewhere = Duration.zero
        let request = VariantHandoff.Request(settings: settings, makeSmall: plan.makeSmall, transform: transform)
        if let prepared = handoff.take(framePath: image.filePath, frameBytes: Int(image.fileSize), request: request),
           let made = try? await prepared.value {
            // Made from the capture's own decode and written beside the frame: only the rows are left.
            pixelTimeElsewhere = made.pixelTime
            written = made.written
        } else {
            written = try await decodeAndRender(image: image, settings: settings, plan: plan, owner: owner, transform: transform, pool: pool)
        }
        let elapsed = started.duration(to: .now) + pixelTimeElsewhere
        let milliseconds = Int(elapsed.timeInterval * 1000)
        let (updated, cleared) = try await database.transaction { db in
            // The timelapse's lock first, as ingest and deletion take it: a camera or timelapse deleted meanwhile
            // cascades through this job's and image's rows, and the other lock order deadlocks (PostgreSQL).
            try await TimelapseStore.lockForWrite(db, timelapseId: image.timelapseId)
            guard try await JobStore.complete(db, jobId: job.id, workerId: workerId, processingTimeMs: milliseconds, at: Date()) else {
                throw GenerationError.leaseLost
            }
            var cleared: [String] = []
            var changes: [(kind: VariantKind, new: StoredVariant?)] = [(.thumbnail, written.thumbnail)]
            if let small = written.small {
                changes.append((.small, small))
            } else if plan.clearOwnSmall, let path = image.smallPath {
                changes.append((.small, nil))
                cleared.append(path)
            }
            let row = try await ImageStore.applyVariants(db, imageId: image.id, changes, meanLuma: written.meanLuma,
                                                         thumbhash: written.thumbhash)
            if plan.clearOtherSmalls {
                for other in try await ImageStore.fetchWithSmalls(db, timelapseId: image.timelapseId, excluding: image.id) {
                    try await ImageStore.applyVariant(db, imageId: other.id, kind: .small, to: nil)
                    if let path = other.smallPath { cleared.append(path) }
                }
            }
            guard let row else { throw GenerationError.imageMissing(image.id) }
            return (row, cleared)
        }
        for path in cleared where path != written.small?.path { unlinkVariant(path) }
        // A WebP companion the new variant does not have (WebP turned off since, or one left by a capture or a worker
        // that lost its lease): the row does not record it, so the file goes (a missing one is fine).
        for new in [written.thumbnail, written.small].compactMap({ $0 }) where new.webpSize == nil {
            FileRemoval(layout: layout).removeFile(VariantFormat.webpPath(forVariantPath: new.path))
        }
        return GenerationResult(image: updated, processingTimeMs: milliseconds)
    }

    /// The frame read and decoded here, under the decode memory budget.
    private func decodeAndRender(image: ImageRecord, settings: Settings, plan: Plan, owner: TempOwner, transform: FrameTransform,
                                 pool: NIOThreadPool) async throws -> Written {
        // The decode's memory is reserved first: big frames take their turn instead of piling up.
        let cost = (layout.absolutePath(image.filePath).flatMap { try? DecodeCost.bytes(path: $0) }) ?? (4 << 20)
        let variants: GeneratedVariants
        do {
            variants = try await budget.withReservation(cost) {
                try await pool.runIfActive { [layout] in
                    try Self.make(image: image, layout: layout, settings: settings, makeSmall: plan.makeSmall, transform: transform)
                }
            }
        } catch let error as ImagingError {
            throw GenerationError.badFrame(error)
        }
        return try await pool.runIfActive { [layout] in
            try Self.write(variants, framePath: image.filePath, layout: layout, owner: owner)
        }
    }

    struct Written: Sendable {
        var thumbnail: StoredVariant
        var small: StoredVariant?
        var meanLuma: Double
        /// Standard base64 of the thumbnail's ThumbHash.
        var thumbhash: String
    }

    /// Blocking: one decode, both variants, in memory.
    static func make(image: ImageRecord, layout: DataLayout, settings: Settings, makeSmall: Bool,
                     transform: FrameTransform = .identity) throws -> GeneratedVariants {
        // The variant names come from the frame's: a path that has none is refused before any decode.
        guard let frame = layout.absolutePath(image.filePath),
              DataLayout.variantPath(forFramePath: image.filePath, kind: .thumbnail) != nil
        else { throw GenerationError.frameUnavailable("stored frame path \(image.filePath) is not a frame path") }
        let generator = VariantGenerator(limits: ImageLimits(maxSourcePixels: settings.maxSourcePixels))
        do {
            let request = VariantHandoff.Request(settings: settings, makeSmall: makeSmall, transform: transform)
            return try generator.makeVariants(path: frame, thumbnail: request.thumbnail, small: request.small, transform: transform)
        } catch {
            if case .io(let detail) = error { throw GenerationError.frameUnavailable(detail) }
            throw GenerationError.badFrame(error)
        }
    }

    /// Blocking: the atomic writes of made variants under the names derived from the stored frame name.
    static func write(_ variants: GeneratedVariants, framePath: String, layout: DataLayout, owner: TempOwner) throws -> Written {
        guard let thumbRelative = DataLayout.variantPath(forFramePath: framePath, kind: .thumbnail),
              let smallRelative = DataLayout.variantPath(forFramePath: framePath, kind: .small),
              let thumbPath = layout.absolutePath(thumbRelative), let smallPath = layout.absolutePath(smallRelative)
        else { throw GenerationError.frameUnavailable("stored frame path \(framePath) is not a frame path") }
        do {
            // Each WebP companion before its JPEG: the row names both only once both are there.
            if let webp = variants.webpThumbnail { try AtomicFile.write(webp.bytes, to: VariantFormat.webpPath(forVariantPath: thumbPath), owner: owner) }
            try AtomicFile.write(variants.thumbnail.bytes, to: thumbPath, owner: owner)
            var small: StoredVariant?
            if let made = variants.small {
                if let webp = variants.webpSmall { try AtomicFile.write(webp.bytes, to: VariantFormat.webpPath(forVariantPath: smallPath), owner: owner) }
                try AtomicFile.write(made.bytes, to: smallPath, owner: owner)
                small = StoredVariant(path: smallRelative, size: Int64(made.bytes.count), webpSize: variants.webpSmall.map { Int64($0.bytes.count) })
            }
            return Written(thumbnail: StoredVariant(path: thumbRelative, size: Int64(variants.thumbnail.bytes.count),
                                                    webpSize: variants.webpThumbnail.map { Int64($0.bytes.count) }), small: small,
                           meanLuma: variants.meanLuma, thumbhash: Data(variants.thumbHash).base64EncodedString())
        } catch {
            throw error.isOutOfSpace ? GenerationError.diskFull(error.message) : GenerationError.writeFailed(error.message)
        }
    }

    /// Deletes every small of a timelapse (purge on completion): paths cleared and counts rewritten in one
    /// transaction, files unlinked after it commits.
    public func purgeSmalls(timelapseId: Int64) async throws {
        let paths = try await database.transaction { db in
            try await ImageStore.clearVariants(db, kind: .small, timelapseId: timelapseId)
        }
        for path in paths { unlinkVariant(path) }
    }

    /// Unlinks a variant file by its stored relative path, and its WebP companion; a link is removed as a link.
    func unlinkVariant(_ relative: String) {
        FileRemoval(layout: layout).removeVariant(relative)
    }
}
