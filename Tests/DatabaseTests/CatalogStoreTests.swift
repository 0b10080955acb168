import Database
import DataDirectory
import Foundation
import SQLKit
import Testing
import TestSupport
import TimelapserCore

@Suite("Catalogue stores on both engines")
struct CatalogStoreTests {
    @Test("migrations run once and are idempotent", arguments: TestEngines.all)
    func migrationsIdempotent(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            @Sendable func applied() async throws -> Int {
                try await t.database.read { db in
                    try await db.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()!.decode(column: "n", as: Int.self)
                }
            }
            // Each registered migration is recorded once; running again adds nothing.
            let first = try await applied()
            try await SchemaMigrator.migrate(t.database)
            #expect(first >= 1)
            #expect(try await applied() == first)
        }
    }

    @Test("one running timelapse per camera is enforced by the schema", arguments: TestEngines.all)
    func oneRunningTimelapse(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let camera = try await t.database.transaction { db in
                try await CameraStore.insert(db, name: "cam", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: Date())
            }
            let first = try await t.database.transaction { db in
                try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "a", startedAt: Date(), at: Date())
            }
            await #expect(throws: DatabaseError.self) {
                try await t.database.transaction { db in
                    try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "b", startedAt: Date(), at: Date())
                }
            }
            let reread = try await t.database.read { try await CameraStore.fetchOne($0, id: camera.id) }
            #expect(reread?.activeTimelapseId == first.id)
            _ = try await t.database.transaction { try await TimelapseStore.complete($0, id: first.id, at: Date()) }
            let second = try await t.database.transaction { db in
                try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "b", startedAt: Date(), at: Date())
            }
            #expect(second.id != first.id)
        }
    }

    @Test("image rows keep timelapse counts and bytes right", arguments: TestEngines.all)
    func imageCounts(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let (camera, timelapse) = try await Self.seedTimelapse(t.database)
            let image = try await t.database.transaction { db in
                try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: "f/a.jpg",
                                            capturedAt: Date(), dayNumber: 1, fileSize: 1000, width: 10, height: 10, at: Date())
            }
            await #expect(throws: DatabaseError.self) {
                try await t.database.transaction { db in
                    try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: "f/a.jpg",
                                                capturedAt: Date(), dayNumber: 1, fileSize: 1000, width: 10, height: 10, at: Date())
                }
            }
            let updated = try await t.database.transaction { db in
                try await ImageStore.applyVariant(db, imageId: image.id, kind: .thumbnail, to: StoredVariant(path: "t/a.jpg", size: 100))
                try await ImageStore.applyVariant(db, imageId: image.id, kind: .small, to: StoredVariant(path: "s/a.jpg", size: 400))
                // Regenerating the thumbnail changes bytes and generation, not the count.
                return try await ImageStore.applyVariant(db, imageId: image.id, kind: .thumbnail, to: StoredVariant(path: "t/a.jpg", size: 120))
            }
            #expect(updated?.thumbnailGeneration == 2)
            #expect(updated?.smallGeneration == 1)
            var tl = try await t.database.read { try await TimelapseStore.fetchOne($0, id: timelapse.id) }!
            #expect(tl.imageCount == 1)
            #expect(tl.thumbnailCount == 1)
            #expect(tl.smallCount == 1)
            #expect(tl.thumbnailBytes == 120)
            #expect(tl.smallBytes == 400)
            #expect(tl.frameBytes == 1000)

            try await t.database.transaction { db in
                _ = try await ImageStore.applyVariant(db, imageId: image.id, kind: .small, to: nil)
            }
            tl = try await t.database.read { try await TimelapseStore.fetchOne($0, id: timelapse.id) }!
            #expect(tl.smallCount == 0)
            #expect(tl.smallBytes == 0)

            // Counts edited behind our back are rewritten from the rows.
            try await t.database.transaction { db in
                try await db.raw("UPDATE timelapses SET thumbnail_count = 99, image_count = 7").run()
                try await TimelapseStore.recomputeCounts(db)
            }
            tl = try await t.database.read { try await TimelapseStore.fetchOne($0, id: timelapse.id) }!
            #expect(tl.thumbnailCount == 1)
            #expect(tl.imageCount == 1)

            let deleted = try await t.database.transaction { try await ImageStore.delete($0, id: image.id) }
            #expect(deleted?.thumbnailPath == "t/a.jpg")
            tl = try await t.database.read { try await TimelapseStore.fetchOne($0, id: timelapse.id) }!
            #expect(tl.imageCount == 0)
            #expect(tl.thumbnailCount == 0)
            #expect(tl.thumbnailBytes == 0)
            #expect(tl.frameBytes == 0)
        }
    }

    @Test("deleting a camera cascades to timelapses, images and jobs", arguments: TestEngines.all)
    func cascade(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let (camera, timelapse) = try await Self.seedTimelapse(t.database)
            try await t.database.transaction { db in
                let image = try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: "f/b.jpg",
                                                        capturedAt: Date(), dayNumber: 1, fileSize: 1, width: 1, height: 1, at: Date())
                _ = try await JobStore.enqueue(db, imageId: image.id, JobRequest(priority: .medium, priorityRank: 10, jobType: .single), at: Date())
                _ = try await CameraStore.delete(db, id: camera.id)
            }
            let counts = try await t.database.read { db in
                try await db.raw("""
                    SELECT (SELECT COUNT(*) FROM timelapses) AS t, (SELECT COUNT(*) FROM images) AS i,
                           (SELECT COUNT(*) FROM thumbnail_generation_jobs) AS j
                    """).first()!
            }
            #expect(try counts.decode(column: "t", as: Int.self) == 0)
            #expect(try counts.decode(column: "i", as: Int.self) == 0)
            #expect(try counts.decode(column: "j", as: Int.self) == 0)
        }
    }

    static func seedTimelapse(_ database: TimelapserDatabase) async throws -> (CameraRecord, TimelapseRecord) {
        try await database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "cam", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: Date())
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "tl", startedAt: Date(), at: Date())
            return (camera, timelapse)
        }
    }
}
