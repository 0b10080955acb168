import Database
import DataDirectory
import Events
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import ThumbnailJobs
import TimelapserCore

/// Decides which file answers a request for an image variant: the fallback cascade thumbnail → small → full →
/// placeholder, from the database row and a check of the file, never from request strings.
///
/// Resolutions are cached per image id (row facts plus what each variant's file check found) so a conditional
/// request costs no SQL and no file system call. The cache is invalidated by the event bus (job completions,
/// captures, maintenance; other processes' events arrive through the PostgreSQL relay) and expires after `ttl`
/// as a safety net for changes no event announces (a file deleted or replaced by hand). Files found missing go to
/// ``MissingVariantRecovery``.
public struct ImageVariantResolver: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService
    let queue: ThumbnailJobQueue
    let events: EventBus
    let logger: Logger
    let cache: ResolutionCache
    let recovery: MissingVariantRecovery

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService, queue: ThumbnailJobQueue,
                events: EventBus, logger: Logger, ttl: Duration = .seconds(5)) {
        self.database = database
        self.layout = layout
        self.settings = settings
        self.queue = queue
        self.events = events
        self.logger = logger
        self.cache = ResolutionCache(ttl: ttl, root: layout.root)
        self.recovery = MissingVariantRecovery(database: database, settings: settings, queue: queue, cache: cache, logger: logger)
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
        await recovery.handle(noticed)
        return entry.answer(imageId: imageId, requested: variant)
    }

    /// The resolution of `variant` when the cache alone can answer it (fresh entry, every file of the cascade already
    /// checked), with the cache's epoch when it was read; nil otherwise. No query and no file system call, so it may
    /// run on an event loop: the fast serving path uses it, and a nil sends the request the normal way, which fills
    /// the cache.
    public func cachedResolution(imageId: Int64, variant: ImageVariant) -> (resolved: ResolvedImage, epoch: UInt64)? {
        let (entry, epoch) = cache.image(imageId)
        guard let answer = entry?.answer(imageId: imageId, requested: variant) else { return nil }
        return (answer, epoch)
    }

    /// Bumped by every invalidation of the resolution cache: what was built from a resolution read at an older epoch
    /// may be out of date.
    public var cacheEpoch: UInt64 { cache.imageEpoch }

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
            await recovery.handle(noticed)
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
}
