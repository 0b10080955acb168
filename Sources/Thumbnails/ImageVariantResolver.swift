import Events
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Storage
import Synchronization

/// A variant a client can ask for, or what answered it (`placeholder` only ever answers).
public enum ImageVariant: String, Sendable, CaseIterable {
    case thumbnail
    case small
    case full
    case placeholder

    /// The variants a request for `self` may be answered with, best first; the placeholder follows them all.
    public var cascade: [ImageVariant] {
        switch self {
        case .thumbnail: [.thumbnail, .small, .full]
        case .small: [.small, .full]
        case .full: [.full]
        case .placeholder: []
        }
    }

    /// The variants a client may request.
    public static let requestable: [ImageVariant] = [.thumbnail, .small, .full]
}

/// A regular file inside the data directory that answers a request, as `stat` saw it when it was resolved.
public struct VariantFile: Sendable, Equatable {
    /// The real path (no symlink, no `..`), checked to be inside the data directory.
    public let path: String
    public let size: Int64
    public let modifiedAt: Date
    public let device: UInt64
    public let inode: UInt64
}

/// The answer to "serve variant X of image N": which variant, which file, which generation.
public struct ResolvedImage: Sendable {
    public let imageId: Int64
    public let cameraId: Int64
    public let timelapseId: Int64
    public let capturedAt: Date
    public let requested: ImageVariant
    public let served: ImageVariant
    /// The generation of the served variant: 0 for `full` and `placeholder`.
    public let generation: Int
    public let thumbnailGeneration: Int
    public let smallGeneration: Int
    /// nil for the placeholder.
    public let file: VariantFile?

    /// Something other than what was asked for answered (a larger variant or the placeholder).
    public var isFallback: Bool { served != requested }

    /// The current generation of a variant (what `?v=` must equal for an immutable answer).
    public func generation(of variant: ImageVariant) -> Int {
        switch variant {
        case .thumbnail: thumbnailGeneration
        case .small: smallGeneration
        case .full, .placeholder: 0
        }
    }

    /// Strong ETag: `"image-{id}-{captured_at unix}-{served variant}-g{generation}"`, so regenerating or falling
    /// back always changes it.
    public var etag: String {
        "\"image-\(imageId)-\(Int64(capturedAt.timeIntervalSince1970.rounded(.down)))-\(served.rawValue)-g\(generation)\""
    }
}

/// What a camera's latest image resolves to.
public enum LatestImageResolution: Sendable {
    case unknownCamera
    /// The camera exists but has no frame yet.
    case noImages
    case image(ResolvedImage)
}

/// Decides which file answers a request for an image variant: the fallback cascade thumbnail → small → full →
/// placeholder, from the database row and a check of the file, never from request strings.
///
/// Resolutions are cached per image id (row facts plus what each variant's file check found) so a conditional
/// request costs no SQL and no file system call. The cache is invalidated by the event bus (job completions,
/// captures, maintenance; other processes' events arrive through the PostgreSQL relay) and expires after `ttl`
/// as a safety net for changes no event announces (a file deleted by hand, an image deleted through the API).
public struct ImageVariantResolver: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let events: EventBus
    let logger: Logger
    let cache: ResolutionCache

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, queue: ThumbnailJobQueue,
                events: EventBus, logger: Logger, ttl: Duration = .seconds(5)) {
        self.database = database
        self.layout = layout
        self.settings = settings
        self.queue = queue
        self.events = events
        self.logger = logger
        self.cache = ResolutionCache(ttl: ttl, root: layout.root)
    }

    /// Variant files the database pointed at but the disk no longer had, since the process started.
    public var missingFiles: Int { cache.missingFiles.load(ordering: .relaxed) }

    /// Variant paths refused because they led outside the data directory (`..`, absolute, symlink out).
    public var refusedPaths: Int { cache.refusedPaths.load(ordering: .relaxed) }

    /// The service that keeps the cache in step with the event bus; run it alongside the HTTP server.
    public var cacheInvalidation: some Service { ResolutionCacheInvalidation(cache: cache, events: events) }

    /// Resolves `variant` of an image; nil when the image does not exist.
    public func resolve(imageId: Int64, variant: ImageVariant) async throws -> ResolvedImage? {
        let (hit, epoch) = cache.image(imageId)
        var entry: CachedImage
        if let hit {
            if let answer = hit.answer(imageId: imageId, requested: variant) { return answer }
            entry = hit
        } else {
            guard let record = try await database.read({ try await ImageStore.fetchOne($0, id: imageId) }) else {
                cache.forget(imageId)
                return nil
            }
            entry = CachedImage(record)
        }
        let noticed = try await probe(&entry, imageId: imageId, along: variant)
        cache.store(imageId, entry, ifEpoch: epoch)
        await handle(noticed)
        return entry.answer(imageId: imageId, requested: variant)
    }

    /// Resolves `variant` of many images with at most one query for the ones not cached; unknown ids are left out.
    public func resolveMany(imageIds: [Int64], variant: ImageVariant) async throws -> [Int64: ResolvedImage] {
        let epoch = cache.imageEpoch
        var entries: [Int64: CachedImage] = [:]
        var uncached: [Int64] = []
        for id in imageIds {
            if let hit = cache.image(id).entry { entries[id] = hit } else { uncached.append(id) }
        }
        if !uncached.isEmpty {
            let ids = uncached
            let records = try await database.read { try await ImageStore.fetchMany($0, ids: ids) }
            for record in records { entries[record.id] = CachedImage(record) }
        }
        let unprobed = entries.filter { $0.value.answer(imageId: $0.key, requested: variant) == nil }
        if !unprobed.isEmpty {
            let (probed, noticed) = try await probeMany(unprobed, along: variant)
            for (id, entry) in probed {
                entries[id] = entry
                cache.store(id, entry, ifEpoch: epoch)
            }
            await handle(noticed)
        }
        return entries.compactMapValues { entry in entry.answer(imageId: entry.id, requested: variant) }
    }

    /// Resolves `variant` of a camera's newest frame.
    public func resolveLatest(cameraId: Int64, variant: ImageVariant) async throws -> LatestImageResolution {
        for _ in 0..<2 {
            let latest: Int64?
            if let cached = cache.latest(cameraId) {
                latest = cached
            } else {
                let epoch = cache.latestEpoch
                switch try await latestImageId(cameraId: cameraId) {
                case .unknownCamera: return .unknownCamera
                case .noImages: latest = nil
                case .image(let id): latest = id
                }
                cache.storeLatest(cameraId, latest, ifEpoch: epoch)
            }
            guard let latest else { return .noImages }
            if let resolved = try await resolve(imageId: latest, variant: variant) { return .image(resolved) }
            // The frame was deleted since: ask the database again.
            cache.forgetLatest(cameraId)
        }
        return .noImages
    }

    /// The newest frame's row of a camera (`nil` when it has none); the camera's existence is the caller's check.
    public func latestImage(cameraId: Int64) async throws -> ImageRecord? {
        try await database.read { try await ImageStore.fetchLatest($0, cameraId: cameraId) }
    }

    /// A file the cache said was there could not be opened (deleted or replaced since): forget what is known about
    /// the image so the next resolution asks the database and the disk again.
    public func fileVanished(imageId: Int64) {
        cache.forget(imageId)
    }

    /// Drops every cached resolution (maintenance that rewrites many rows).
    public func invalidateAll() {
        cache.invalidateAll()
    }

    private enum LatestLookup: Sendable {
        case unknownCamera
        case noImages
        case image(Int64)
    }

    /// The camera's newest image id, with the camera's existence checked only when it has none.
    private func latestImageId(cameraId: Int64) async throws -> LatestLookup {
        try await database.read { db in
            if let image = try await ImageStore.fetchLatest(db, cameraId: cameraId) { return .image(image.id) }
            return try await CameraStore.fetchOne(db, id: cameraId) == nil ? .unknownCamera : .noImages
        }
    }

    // MARK: File checks

    /// A variant whose stored path did not lead to a file inside the data directory.
    struct NoticedFile: Sendable {
        var imageId: Int64
        var cameraId: Int64
        var variant: ImageVariant
        var path: String
        var state: FileState
    }

    /// Checks, off the event loop, the files of the cascade that are not known yet, until one is present.
    private func probe(_ entry: inout CachedImage, imageId: Int64, along variant: ImageVariant) async throws -> [NoticedFile] {
        let (probed, noticed) = try await probeMany([imageId: entry], along: variant)
        entry = probed[imageId] ?? entry
        return noticed
    }

    private func probeMany(_ entries: [Int64: CachedImage], along variant: ImageVariant) async throws
        -> ([Int64: CachedImage], [NoticedFile]) {
        let layout = layout, cache = cache
        return try await NIOThreadPool.singleton.runIfActive {
            var result = entries
            var noticed: [NoticedFile] = []
            for (id, var entry) in entries {
                for candidate in variant.cascade {
                    if entry.files[candidate] == nil {
                        let path = entry.path(of: candidate)
                        let state = FileCheck.state(of: path, layout: layout, realRoot: cache.realRoot)
                        entry.files[candidate] = state
                        if let path, state.isProblem {
                            noticed.append(NoticedFile(imageId: id, cameraId: entry.cameraId, variant: candidate, path: path, state: state))
                        }
                    }
                    if case .present = entry.files[candidate] { break }
                }
                result[id] = entry
            }
            return (result, noticed)
        }
    }

    /// Logs and counts files noticed missing or refused (once per path until it is seen again), and queues the
    /// regeneration of a missing thumbnail or small when thumbnails are on for the camera and globally. The row
    /// is left alone: verify and repair own it.
    private func handle(_ noticed: [NoticedFile]) async {
        for file in noticed where cache.isFirstNotice(file.path) {
            switch file.state {
            case .refused:
                cache.refusedPaths.add(1, ordering: .relaxed)
                logger.warning("refused a variant path outside the data directory",
                               metadata: ["image_id": "\(file.imageId)", "variant": "\(file.variant.rawValue)", "path": "\(file.path)"])
            default:
                cache.missingFiles.add(1, ordering: .relaxed)
                logger.warning("variant file missing, serving the next one",
                               metadata: ["image_id": "\(file.imageId)", "variant": "\(file.variant.rawValue)", "path": "\(file.path)"])
                if file.variant == .thumbnail || file.variant == .small {
                    await requestRegeneration(imageId: file.imageId, cameraId: file.cameraId)
                }
            }
        }
    }

    private func requestRegeneration(imageId: Int64, cameraId: Int64) async {
        do {
            guard try await settings.current().generateThumbnails,
                  try await database.read({ try await CameraStore.fetchOne($0, id: cameraId) })?.generateThumbnails == true
            else { return }
            try await queue.enqueue(imageId: imageId, priority: .medium)
        } catch {
            logger.warning("could not queue the regeneration of a missing variant",
                           metadata: ["image_id": "\(imageId)", "error": "\(error)"])
        }
    }
}

/// What the check of one variant's file found.
enum FileState: Sendable, Equatable {
    case present(VariantFile)
    /// The row has no path for it (never generated, or not wanted).
    case absent
    /// The row has a path but no regular file is there.
    case missing
    /// The path leads outside the data directory.
    case refused

    var isProblem: Bool { self == .missing || self == .refused }
}

/// The facts of an image row the cascade needs, and what the checks of its files found so far.
struct CachedImage: Sendable {
    var id: Int64
    var cameraId: Int64
    var timelapseId: Int64
    var capturedAt: Date
    var filePath: String
    var thumbnailPath: String?
    var smallPath: String?
    var thumbnailGeneration: Int
    var smallGeneration: Int
    var files: [ImageVariant: FileState] = [:]

    init(_ record: ImageRecord) {
        id = record.id
        cameraId = record.cameraId
        timelapseId = record.timelapseId
        capturedAt = record.capturedAt
        filePath = record.filePath
        thumbnailPath = record.thumbnailPath
        smallPath = record.smallPath
        thumbnailGeneration = record.thumbnailGeneration
        smallGeneration = record.smallGeneration
    }

    func path(of variant: ImageVariant) -> String? {
        switch variant {
        case .thumbnail: thumbnailPath
        case .small: smallPath
        case .full: filePath
        case .placeholder: nil
        }
    }

    /// The answer when every file the cascade needs has been checked; nil when one still has to be.
    func answer(imageId: Int64, requested: ImageVariant) -> ResolvedImage? {
        for candidate in requested.cascade {
            switch files[candidate] {
            case nil: return nil
            case .present(let file)?: return resolved(requested, served: candidate, file: file)
            default: continue
            }
        }
        return resolved(requested, served: .placeholder, file: nil)
    }

    private func resolved(_ requested: ImageVariant, served: ImageVariant, file: VariantFile?) -> ResolvedImage {
        let generation = switch served {
        case .thumbnail: thumbnailGeneration
        case .small: smallGeneration
        case .full, .placeholder: 0
        }
        return ResolvedImage(imageId: id, cameraId: cameraId, timelapseId: timelapseId, capturedAt: capturedAt,
                             requested: requested, served: served, generation: generation,
                             thumbnailGeneration: thumbnailGeneration, smallGeneration: smallGeneration, file: file)
    }
}

/// Blocking checks of a stored relative path; run them off the event loop.
enum FileCheck {
    /// Resolves symlinks and `..` with `realpath`, refuses anything that ends outside `realRoot`, and accepts only a
    /// regular file.
    static func state(of relative: String?, layout: DataLayout, realRoot: String) -> FileState {
        guard let relative else { return .absent }
        guard let absolute = layout.absolutePath(relative) else { return .refused }
        guard let resolved = realpath(absolute, nil) else { return .missing }
        let real = String(cString: resolved)
        free(resolved)
        guard real.hasPrefix(realRoot + "/") else { return .refused }
        var info = stat()
        // An empty file is no image: treat it like a missing one and step down the cascade.
        guard lstat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return .missing }
        return .present(VariantFile(path: real, size: Int64(info.st_size), modifiedAt: modificationDate(info),
                                    device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    static func modificationDate(_ info: stat) -> Date {
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return Date(timeIntervalSince1970: TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9)
    }

    /// The data directory with its own symlinks resolved (it may itself live behind one).
    static func realRoot(_ root: String) -> String {
        guard let resolved = realpath(root, nil) else { return root }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// The shared, lock-protected resolution cache with its counters.
final class ResolutionCache: Sendable {
    struct Stamped<Value: Sendable>: Sendable {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    struct State: Sendable {
        var images: [Int64: Stamped<CachedImage>] = [:]
        var latest: [Int64: Stamped<Int64?>] = [:]
        /// Bumped by every invalidation, so a resolution that read the database before an invalidation does not
        /// store what it read after it.
        var imageEpoch: UInt64 = 0
        var latestEpoch: UInt64 = 0
        /// Paths already logged and counted as missing or refused.
        var noticed: Set<String> = []
    }

    static let maxEntries = 200_000
    static let maxNoticed = 100_000

    let ttl: Duration
    let root: String
    let state = Mutex(State())
    let missingFiles = Atomic<Int>(0)
    let refusedPaths = Atomic<Int>(0)
    private let resolvedRoot = Mutex<String?>(nil)

    init(ttl: Duration, root: String) {
        self.ttl = ttl
        self.root = root
    }

    /// The data directory's real path, computed on first use (a file check, so never on the event loop).
    var realRoot: String {
        resolvedRoot.withLock { cached in
            if let cached { return cached }
            let real = FileCheck.realRoot(root)
            cached = real
            return real
        }
    }

    var imageEpoch: UInt64 { state.withLock { $0.imageEpoch } }
    var latestEpoch: UInt64 { state.withLock { $0.latestEpoch } }

    /// The fresh entry of an image (nil when absent or expired) and the epoch it was read at.
    func image(_ id: Int64) -> (entry: CachedImage?, epoch: UInt64) {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.images[id], entry.expires > now else { return (nil, state.imageEpoch) }
            return (entry.value, state.imageEpoch)
        }
    }

    func store(_ id: Int64, _ image: CachedImage, ifEpoch epoch: UInt64) {
        let expires = ContinuousClock.now + ttl
        state.withLock { state in
            guard state.imageEpoch == epoch else { return }
            if state.images.count >= Self.maxEntries { state.images.removeAll(keepingCapacity: true) }
            state.images[id] = Stamped(value: image, expires: expires)
        }
    }

    func forget(_ id: Int64) {
        state.withLock { state in
            if let gone = state.images.removeValue(forKey: id)?.value { Self.clearNotices(of: gone, in: &state) }
            state.imageEpoch &+= 1
        }
    }

    func latest(_ cameraId: Int64) -> Int64?? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.latest[cameraId], entry.expires > now else { return nil }
            return .some(entry.value)
        }
    }

    func storeLatest(_ cameraId: Int64, _ imageId: Int64?, ifEpoch epoch: UInt64) {
        let expires = ContinuousClock.now + ttl
        state.withLock { state in
            guard state.latestEpoch == epoch else { return }
            if state.latest.count >= Self.maxEntries { state.latest.removeAll(keepingCapacity: true) }
            state.latest[cameraId] = Stamped(value: imageId, expires: expires)
        }
    }

    func forgetLatest(_ cameraId: Int64) {
        state.withLock { state in
            state.latest[cameraId] = nil
            state.latestEpoch &+= 1
        }
    }

    /// Forgets an image and every cached image of the same timelapse (a job can clear the small of the
    /// timelapse's previous latest frame without an event naming it).
    func forgetTimelapse(of imageId: Int64, timelapseId: Int64?) {
        state.withLock { state in
            let timelapse = timelapseId ?? state.images[imageId]?.value.timelapseId
            for (id, entry) in state.images where id == imageId || entry.value.timelapseId == timelapse {
                state.images[id] = nil
                Self.clearNotices(of: entry.value, in: &state)
            }
            state.imageEpoch &+= 1
        }
    }

    func invalidateAll() {
        state.withLock { state in
            state.images.removeAll()
            state.latest.removeAll()
            state.noticed.removeAll()
            state.imageEpoch &+= 1
            state.latestEpoch &+= 1
        }
    }

    /// True the first time a path is noticed missing or refused (until the image is invalidated).
    func isFirstNotice(_ path: String) -> Bool {
        state.withLock { state in
            if state.noticed.count >= Self.maxNoticed { state.noticed.removeAll() }
            return state.noticed.insert(path).inserted
        }
    }

    private static func clearNotices(of image: CachedImage, in state: inout State) {
        guard !state.noticed.isEmpty else { return }
        for variant in ImageVariant.requestable {
            if let path = image.path(of: variant) { state.noticed.remove(path) }
        }
    }
}

/// Applies the event bus to the resolution cache until shutdown.
struct ResolutionCacheInvalidation: Service {
    let cache: ResolutionCache
    let events: EventBus

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let stream = await events.subscribe()
                // Whatever happened before this subscription (or while a dropped one lagged) is unknown.
                cache.invalidateAll()
                for await event in stream { Self.apply(event, to: cache) }
            }
        }
    }

    static func apply(_ event: ServerEvent, to cache: ResolutionCache) {
        switch event.type {
        case EventType.thumbnailJobCompleted:
            let fields = fields(of: event)
            guard let imageId = fields["image_id"] else { return cache.invalidateAll() }
            cache.forgetTimelapse(of: imageId, timelapseId: fields["timelapse_id"])
        case EventType.imageCaptured:
            guard let cameraId = fields(of: event)["camera_id"] else { return cache.invalidateAll() }
            cache.forgetLatest(cameraId)
        case EventType.thumbnailJobFailed, EventType.regenerationStarted, EventType.regenerationProgress:
            // Nothing on disk or in a row changed that a completion event will not announce.
            return
        default:
            // Maintenance, deletions of variants, timelapse completion (which may purge smalls): start afresh.
            cache.invalidateAll()
        }
    }

    /// The integer fields of an event's JSON data.
    static func fields(of event: ServerEvent) -> [String: Int64] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any] else { return [:] }
        var result: [String: Int64] = [:]
        for (key, value) in object {
            if let number = value as? NSNumber, !(value is Bool) { result[key] = number.int64Value }
        }
        return result
    }
}
