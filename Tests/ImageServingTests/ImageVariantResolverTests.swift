@testable import Database
import DataDirectory
import Events
import Foundation
@testable import ImageServing
import Logging
import ServiceLifecycle
import Testing
import TestSupport
@testable import ThumbnailJobs
@testable import TimelapserCore

@Suite("ImageVariantResolver: cascade from rows and files, counters, cache invalidation")
struct ImageVariantResolverTests {
    /// An image row with all three files on disk; returns the row.
    static func imageWithFiles(_ t: TestDatabase, generateThumbnails: Bool = true) async throws -> ImageRecord {
        let frame = "cameras/camera-1/timelapse-1/frames/timelapse-1_day001_120000.jpg"
        let thumb = DataLayout.variantPath(forFramePath: frame, kind: .thumbnail)!
        let small = DataLayout.variantPath(forFramePath: frame, kind: .small)!
        for (path, size) in [(frame, 3000), (thumb, 100), (small, 500)] {
            let absolute = t.layout.root + "/" + path
            try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: absolute, contents: Data(repeating: 0xAB, count: size)))
        }
        return try await t.database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "c", rtspUrl: nil, captureIntervalSeconds: 60,
                                                      generateThumbnails: generateThumbnails, at: Date())
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "t", startedAt: Date(), at: Date())
            let image = try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: frame,
                                                    capturedAt: Date(timeIntervalSince1970: 1_741_000_000), dayNumber: 1,
                                                    fileSize: 3000, width: 64, height: 48, at: Date())
            try await ImageStore.applyVariant(db, imageId: image.id, kind: .thumbnail, to: StoredVariant(path: thumb, size: 100))
            return try await ImageStore.applyVariant(db, imageId: image.id, kind: .small, to: StoredVariant(path: small, size: 500))!
        }
    }

    static func resolver(_ t: TestDatabase, events: EventBus = EventBus(), ttl: Duration = .seconds(60)) -> ImageVariantResolver {
        var logger = Logger(label: "resolver-test")
        logger.logLevel = .critical
        return ImageVariantResolver(database: t.database, layout: t.layout, settings: SettingsService(database: t.database),
                                    queue: ThumbnailJobQueue(database: t.database, wake: WakeSignal()), events: events,
                                    logger: logger, ttl: ttl)
    }

    @Test("cascade, missing-file counter and regeneration job", arguments: TestEngines.all)
    func cascade(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let image = try await Self.imageWithFiles(t)
            let resolver = Self.resolver(t)
            let first = try #require(try await resolver.resolve(imageId: image.id, variant: .thumbnail))
            #expect(first.served == .thumbnail)
            #expect(first.etag == "\"image-\(image.id)-1741000000-thumbnail-g1\"")
            #expect(first.file?.size == 100)

            try FileManager.default.removeItem(atPath: t.layout.root + "/" + image.thumbnailPath!)
            // Cached: the resolver does not look again until told the file vanished (or the TTL passes).
            #expect(try await resolver.resolve(imageId: image.id, variant: .thumbnail)?.served == .thumbnail)
            resolver.fileVanished(imageId: image.id)
            let second = try #require(try await resolver.resolve(imageId: image.id, variant: .thumbnail))
            #expect(second.served == .small)
            #expect(second.isFallback)
            #expect(second.etag == "\"image-\(image.id)-1741000000-small-g1\"")
            #expect(resolver.missingFiles == 1)
            let pending = try await ThumbnailJobQueue(database: t.database, wake: WakeSignal())
                .recent(status: .pending, imageId: image.id, limit: 10)
            #expect(pending.count == 1)
            // The row is left alone.
            let row = try await t.database.read { try await ImageStore.fetchOne($0, id: image.id) }
            #expect(row?.thumbnailPath == image.thumbnailPath)

            #expect(try await resolver.resolve(imageId: 999_999, variant: .full) == nil)
            let many = try await resolver.resolveMany(imageIds: [image.id, 999_999], variant: .small)
            #expect(many.keys.sorted() == [image.id])
            #expect(many[image.id]?.served == .small)
        }
    }

    @Test("no regeneration job when the camera has thumbnails off; a symlink out of the data dir is refused",
          arguments: [DatabaseEngine.sqlite])
    func refusedAndOff(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let image = try await Self.imageWithFiles(t, generateThumbnails: false)
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("resolver-outside-\(UUID().uuidString).jpg").path
            #expect(FileManager.default.createFile(atPath: outside, contents: Data("secret".utf8)))
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let small = t.layout.root + "/" + image.smallPath!
            try FileManager.default.removeItem(atPath: small)
            try FileManager.default.createSymbolicLink(atPath: small, withDestinationPath: outside)
            try FileManager.default.removeItem(atPath: t.layout.root + "/" + image.thumbnailPath!)

            let resolver = Self.resolver(t)
            let resolved = try #require(try await resolver.resolve(imageId: image.id, variant: .thumbnail))
            #expect(resolved.served == .full)
            #expect(resolver.refusedPaths == 1)
            #expect(resolver.missingFiles == 1)
            let pending = try await ThumbnailJobQueue(database: t.database, wake: WakeSignal())
                .recent(status: .pending, imageId: image.id, limit: 10)
            #expect(pending.isEmpty)
        }
    }

    @Test("a job-completed event drops the cached resolution", arguments: [DatabaseEngine.sqlite])
    func invalidation(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let image = try await Self.imageWithFiles(t)
            let events = EventBus()
            let resolver = Self.resolver(t, events: events)
            let service = resolver.cacheInvalidation
            let subscribedBefore = resolver.cache.imageEpoch
            let task = Task { try await service.run() }
            defer { task.cancel() }
            // The service drops everything cached right after it subscribes: that bump says it is listening.
            try await waitUntil("the invalidation service to subscribe") { resolver.cache.imageEpoch > subscribedBefore }
            #expect(try await resolver.resolve(imageId: image.id, variant: .thumbnail)?.generation == 1)
            _ = try await t.database.transaction { db in
                try await ImageStore.applyVariant(db, imageId: image.id, kind: .thumbnail,
                                                  to: StoredVariant(path: image.thumbnailPath!, size: 100))
            }
            #expect(try await resolver.resolve(imageId: image.id, variant: .thumbnail)?.generation == 1)
            await events.publish(.thumbnailJobCompleted(ThumbnailJobCompleted(
                jobId: 1, imageId: image.id, timelapseId: image.timelapseId, cameraId: image.cameraId, processingTimeMs: 1,
                thumbnailUrl: ImageURL.variant(imageId: image.id, .thumbnail, generation: 2), smallUrl: nil, sessionId: nil)))
            var generation = 0
            try await waitUntil("the regenerated thumbnail's generation") {
                generation = try await resolver.resolve(imageId: image.id, variant: .thumbnail)?.generation ?? 0
                return generation == 2
            }
            #expect(generation == 2)
        }
    }
}
