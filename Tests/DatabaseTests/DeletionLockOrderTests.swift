import Database
import DataDirectory
import Foundation
import SQLKit
import Testing
import TestSupport
import TimelapserCore

/// Deleting a frame while its thumbnail job completes. The completion takes the timelapse's lock, then the job row,
/// then the image row; a DELETE locks the image row, then (its cascade) the job row. Without the timelapse lock
/// first on the deleting side too, PostgreSQL finds a deadlock and fails one of them.
@Suite("Image deletion takes the timelapse lock before any row")
struct DeletionLockOrderTests {
    @Test("a frame deleted while its job commits: both finish, in turn", arguments: TestEngines.all)
    func deleteDuringCompletion(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let database = t.database
            let image = try #require(try await FrameSeeder.seed(database, layout: t.layout, count: 1, jpeg: TestFrames.scene()).first)
            let timelapse = try #require(try await database.read { try await ImageStore.fetchOne($0, id: image) }).timelapseId
            let job = try await database.transaction {
                try await JobStore.enqueue($0, imageId: image, JobRequest(priority: .high, priorityRank: 0, jobType: .single), at: Date())
            }
            // The completion's order, with a pause between the job row and the image row for the deletion to start in.
            let completing = Task {
                try await database.transaction { db in
                    try await TimelapseStore.lockForWrite(db, timelapseId: timelapse)
                    try await db.raw("UPDATE thumbnail_generation_jobs SET status = 'processing' WHERE id = \(bind: job)").run()
                    try await Task.sleep(for: .milliseconds(600))
                    try await db.raw("UPDATE images SET mean_luma = 1 WHERE id = \(bind: image)").run()
                }
            }
            try await Task.sleep(for: .milliseconds(150))
            let deleting = Task { try await database.transaction { try await ImageStore.delete($0, ids: [image]) } }
            try await completing.value
            let deleted = try await deleting.value
            #expect(deleted.map(\.id) == [image])
            #expect(try await database.read { try await ImageStore.fetchOne($0, id: image) } == nil)
        }
    }
}
