import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

/// Thumbnail maintenance over real HTTP: real captures, the real worker, then broken state crafted on disk.
@Suite("Thumbnail maintenance API")
struct MaintenanceAPITests {
    typealias Pipeline = CapturePipelineTests

    /// A timelapse with `count` captured frames whose thumbnails and smalls the worker has made.
    struct Captured {
        let camera: Int
        let timelapse: Int
        let images: [[String: Any]]
        let root: String

        func absolute(_ relative: String) -> String { root + "/" + relative }
        func thumbnail(_ i: Int) -> String { absolute(images[i]["thumbnail_path"] as! String) }
        func small(_ i: Int) -> String { absolute(images[i]["small_path"] as! String) }
        func frame(_ i: Int) -> String { absolute(images[i]["file_path"] as! String) }
        var folder: String { root + "/" + DataLayout.timelapseDirectory(cameraId: Int64(camera), timelapseId: Int64(timelapse)) }
    }

    static func capture(_ client: some TestClientProtocol, _ fixture: TestDatabase, count: Int) async throws -> Captured {
        let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client)
        for i in 0..<count {
            let response = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 320, height: 240, seed: i + 1),
                                                   at: "2026-03-02T14:30:\(String(format: "%02d", i))Z")
            #expect(response.status == .created)
        }
        try await waitUntil("variants of \(count) frames") {
            let tl = try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data
            return tl["thumbnail_count"] as? Int == count && tl["small_count"] as? Int == count
        }
        let page = try await client.execute(uri: "/api/timelapses/\(timelapse)/images?limit=1000", method: .get)
        let images = try #require(page.json["data"] as? [[String: Any]])
        return Captured(camera: camera, timelapse: timelapse, images: images, root: fixture.layout.root)
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A valid JPEG outside the data directory, for symlinks to point at.
    static func outsideFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).jpg").path
        try write(path, TestFrames.scene(width: 32, height: 24))
        return path
    }

    @Test("verify finds missing, empty, junk and symlinked variants, clears them, rewrites counts", arguments: TestEngines.all)
    func verify(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let c = try await Self.capture(client, fixture, count: 5)
            let outside = try Self.outsideFile()
            defer { try? FileManager.default.removeItem(atPath: outside) }
            try FileManager.default.removeItem(atPath: c.thumbnail(0))
            try Self.write(c.small(1), [])
            try FileManager.default.removeItem(atPath: c.thumbnail(2))
            try FileManager.default.createSymbolicLink(atPath: c.thumbnail(2), withDestinationPath: outside)
            try Self.write(c.thumbnail(3), Array("<html>not a jpeg</html>".utf8))

            let response = try await client.execute(uri: "/api/timelapses/\(c.timelapse)/thumbnails/verify", method: .post)
            #expect(response.status == .ok)
            let r = response.data
            #expect(r["total_images"] as? Int == 5)
            #expect(r["valid_thumbnails"] as? Int == 2)
            #expect(r["missing_thumbnails"] as? Int == 3)
            #expect(r["valid_smalls"] as? Int == 4)
            #expect(r["missing_smalls"] as? Int == 1)
            #expect(r["database_counts"] as? [String: Int] == ["thumbnail_count": 5, "small_count": 5])
            #expect(r["counts_updated"] as? Bool == true)
            #expect(r["message"] as? String == "2/5 thumbnails valid, 3 missing; 4/5 smalls valid, 1 missing")

            let tl = try await client.execute(uri: "/api/timelapses/\(c.timelapse)", method: .get).data
            #expect(tl["thumbnail_count"] as? Int == 2)
            #expect(tl["small_count"] as? Int == 4)
            for i in [0, 2, 3] {
                let image = try await client.execute(uri: "/api/images/\(c.images[i]["id"] as! Int)", method: .get).data
                #expect(image["thumbnail_path"] is NSNull)
            }
            let image1 = try await client.execute(uri: "/api/images/\(c.images[1]["id"] as! Int)", method: .get).data
            #expect(image1["small_path"] is NSNull)
            #expect(image1["thumbnail_path"] is String)
            // Verify changes rows, never files.
            #expect(Self.exists(c.thumbnail(2)) && Self.exists(outside) && Self.exists(c.small(1)))
            for i in 0..<5 { #expect(Self.exists(c.frame(i))) }

            // System-wide: the truth is already in the rows.
            let system = try await client.execute(uri: "/api/thumbnails/verify", method: .post).data
            #expect(system["timelapses_checked"] as? Int == 1)
            #expect(system["total_images"] as? Int == 5)
            #expect(system["valid_thumbnails"] as? Int == 2)
            #expect(system["counts_updated"] as? Bool == false)
            let missing = try await client.execute(uri: "/api/timelapses/999/thumbnails/verify", method: .post)
            #expect(missing.status == .notFound)
        }
    }

    /// Breaks a captured timelapse for the orphan tests; returns (paths that must survive, the symlink's target).
    static func craftOrphans(_ c: Captured, client: some TestClientProtocol) async throws -> (keep: [String], outside: String) {
        let outside = try outsideFile()
        // Image 0: its thumbnail's path is cleared (file moved away, verified, moved back) → a linkable orphan.
        let moved = c.thumbnail(0) + ".away"
        try FileManager.default.moveItem(atPath: c.thumbnail(0), toPath: moved)
        // Image 1: its small is emptied → verify clears it → an orphan that is no sound JPEG.
        try write(c.small(1), [])
        _ = try await client.execute(uri: "/api/timelapses/\(c.timelapse)/thumbnails/verify", method: .post)
        try FileManager.default.moveItem(atPath: moved, toPath: c.thumbnail(0))
        let thumbs = c.folder + "/thumbnails/"
        // A variant-named file of no image, a variant-named symlink pointing out, junk and a worker's temp file.
        try write(thumbs + "timelapse-\(c.timelapse)_thumb_day099_000000.jpg", TestFrames.scene(width: 32, height: 24))
        try FileManager.default.createSymbolicLink(atPath: thumbs + "timelapse-\(c.timelapse)_thumb_day098_000000.jpg",
                                                   withDestinationPath: outside)
        let keep = [
            thumbs + "notes.txt",
            thumbs + ".tmp.somehost-1.7.abc.timelapse-\(c.timelapse)_thumb_day097_000000.jpg",
            thumbs + "timelapse-\(c.timelapse + 1)_thumb_day001_000000.jpg",  // another timelapse's name in this folder
            c.folder + "/frames/timelapse-\(c.timelapse)_thumb_day096_000000.jpg",  // variant name among frames
            c.folder + "/videos/timelapse-\(c.timelapse)_small_day096_000000.jpg",
        ]
        try FileManager.default.createDirectory(atPath: c.folder + "/videos", withIntermediateDirectories: true)
        for path in keep { try write(path, TestFrames.scene(width: 16, height: 16)) }
        return (keep, outside)
    }

    @Test("cleanup: dry run touches nothing; a real run deletes only unmatched variant files", arguments: TestEngines.all)
    func cleanup(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let c = try await Self.capture(client, fixture, count: 3)
            let (keep, outside) = try await Self.craftOrphans(c, client: client)
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let thumbs = c.folder + "/thumbnails/"
            let junk = thumbs + "timelapse-\(c.timelapse)_thumb_day099_000000.jpg"
            let link = thumbs + "timelapse-\(c.timelapse)_thumb_day098_000000.jpg"

            let dry = try await client.execute(uri: "/api/thumbnails/cleanup", method: .delete)
            #expect(dry.status == .ok)
            #expect(dry.data["dry_run"] as? Bool == true)
            #expect(dry.data["orphaned_files_found"] as? Int == 4)
            #expect(dry.data["matchable_files"] as? Int == 1)
            #expect(dry.data["files_deleted"] as? Int == 0)
            #expect((dry.data["files"] as? [[String: Any]])?.count == 4)
            #expect(Self.exists(junk) && Self.exists(link) && Self.exists(c.small(1)))

            let stats = try await client.execute(uri: "/api/thumbnails/stats", method: .get).data
            #expect(stats["orphaned_thumbnail_files"] as? Int == 3)
            #expect(stats["orphaned_small_files"] as? Int == 1)

            let real = try await client.execute(uri: "/api/thumbnails/cleanup?dry_run=false", method: .delete)
            #expect(real.data["dry_run"] as? Bool == false)
            #expect(real.data["orphaned_files_found"] as? Int == 4)
            #expect(real.data["files_deleted"] as? Int == 3)
            #expect(!Self.exists(junk) && !Self.exists(link) && !Self.exists(c.small(1)))
            #expect(Self.exists(c.thumbnail(0)), "a file that matches an image is left for repair")
            #expect(Self.exists(outside), "a symlink is removed as a link")
            for path in keep { #expect(Self.exists(path), "\(path)") }
            for i in 0..<3 { #expect(Self.exists(c.frame(i))) }
            // Database untouched by cleanup: counts still say what verify left.
            let tl = try await client.execute(uri: "/api/timelapses/\(c.timelapse)", method: .get).data
            #expect(tl["thumbnail_count"] as? Int == 2)
            #expect(tl["small_count"] as? Int == 2)
        }
    }

    @Test("repair links orphans back through the frame path and deletes the unmatched", arguments: TestEngines.all)
    func repair(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let c = try await Self.capture(client, fixture, count: 3)
            let (keep, outside) = try await Self.craftOrphans(c, client: client)
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let thumbnailSize = try FileManager.default.attributesOfItem(atPath: c.thumbnail(0))[.size] as? Int

            let response = try await client.execute(uri: "/api/thumbnails/repair", method: .post)
            #expect(response.status == .ok)
            let r = response.data
            #expect(r["orphaned_files_found"] as? Int == 4)
            #expect(r["files_matched"] as? Int == 1)
            #expect(r["files_deleted"] as? Int == 3)
            #expect(r["database_records_updated"] as? Int == 1)
            #expect(r["timelapses_affected"] as? Int == 1)

            let image0 = try await client.execute(uri: "/api/images/\(c.images[0]["id"] as! Int)", method: .get).data
            #expect(image0["thumbnail_path"] as? String == c.images[0]["thumbnail_path"] as? String)
            #expect(image0["thumbnail_size"] as? Int == thumbnailSize)
            let tl = try await client.execute(uri: "/api/timelapses/\(c.timelapse)", method: .get).data
            #expect(tl["thumbnail_count"] as? Int == 3)
            #expect(tl["small_count"] as? Int == 2)
            #expect(!Self.exists(c.small(1)))
            #expect(Self.exists(outside))
            for path in keep { #expect(Self.exists(path), "\(path)") }
            for i in 0..<3 { #expect(Self.exists(c.frame(i))) }

            // Database and disk agree now: a second verify changes nothing, a second scan finds nothing.
            let verify = try await client.execute(uri: "/api/thumbnails/verify", method: .post).data
            #expect(verify["valid_thumbnails"] as? Int == 3 && verify["valid_smalls"] as? Int == 2)
            #expect(verify["counts_updated"] as? Bool == false)
            let again = try await client.execute(uri: "/api/thumbnails/cleanup", method: .delete).data
            #expect(again["orphaned_files_found"] as? Int == 0)
        }
    }

    @Test("delete-all needs confirm; then removes every variant and clears counts, frames kept", arguments: TestEngines.all)
    func deleteAll(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let c = try await Self.capture(client, fixture, count: 3)
            let refused = try await client.execute(uri: "/api/thumbnails/delete-all", method: .delete)
            #expect(refused.status == .badRequest)
            let refusedFalse = try await client.execute(uri: "/api/thumbnails/delete-all?confirm=false", method: .delete)
            #expect(refusedFalse.status == .badRequest)
            for i in 0..<3 { #expect(Self.exists(c.thumbnail(i)) && Self.exists(c.small(i))) }
            let extra = c.folder + "/thumbnails/timelapse-\(c.timelapse)_thumb_day099_000000.jpg"
            try Self.write(extra, TestFrames.scene(width: 32, height: 24))
            let junk = c.folder + "/thumbnails/notes.txt"
            try Self.write(junk, Array("keep".utf8))

            let response = try await client.execute(uri: "/api/thumbnails/delete-all?confirm=true", method: .delete)
            #expect(response.status == .ok, "\(response.json)")
            #expect(response.data["thumbnails_deleted"] as? Int == 4)
            #expect(response.data["smalls_deleted"] as? Int == 3)
            #expect((response.data["bytes_freed"] as? Int ?? 0) > 0)
            for i in 0..<3 {
                #expect(!Self.exists(c.thumbnail(i)) && !Self.exists(c.small(i)))
                #expect(Self.exists(c.frame(i)))
            }
            #expect(!Self.exists(extra) && Self.exists(junk))
            let tl = try await client.execute(uri: "/api/timelapses/\(c.timelapse)", method: .get).data
            #expect(tl["thumbnail_count"] as? Int == 0 && tl["small_count"] as? Int == 0 && tl["image_count"] as? Int == 3)
            let stats = try await client.execute(uri: "/api/thumbnails/stats", method: .get).data
            #expect(stats["images_with_thumbnails"] as? Int == 0)
            #expect((stats["total_disk_usage"] as? [String: Any])?["thumbnails_bytes"] as? Int == 0)
        }
    }

    @Test("regenerate-all: 409 while active, progress over SSE, cancel leaves no pending job", arguments: TestEngines.all)
    func regenerateAll(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let c = try await Self.capture(client, fixture, count: 3)
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            // A frame that vanished: its job fails retryably and waits 30 s, holding the session active.
            try FileManager.default.removeItem(atPath: c.frame(2))

            let start = try await client.execute(uri: "/api/thumbnails/regenerate-all", method: .post,
                                                 body: Pipeline.json(["force": true]))
            #expect(start.status == .accepted)
            let session = try #require(start.data["session_id"] as? Int)
            #expect(start.data["jobs_queued"] as? Int == 3)
            let started = await events.next { $0.type == "thumbnail_regeneration_started" }
            #expect(started?.data["total"] as? Int == 3)
            try await waitUntil("two completed jobs and one waiting for its retry") {
                let s = try await client.execute(uri: "/api/thumbnails/regenerate-all/status", method: .get).data
                let retrying = try await client.execute(uri: "/api/thumbnails/jobs?status=pending", method: .get)
                let retry = (retrying.json["data"] as? [[String: Any]])?.first { $0["session_id"] as? Int == session }
                return s["completed"] as? Int == 2 && retry?["retry_count"] as? Int == 1
            }
            let progress = await events.next { $0.type == "thumbnail_regeneration_progress" && $0.data["completed"] as? Int == 2 }
            #expect(progress?.data["session_id"] as? Int == session)

            let second = try await client.execute(uri: "/api/thumbnails/regenerate-all", method: .post)
            #expect(second.status == .conflict)
            let status = try await client.execute(uri: "/api/thumbnails/regenerate-all/status", method: .get).data
            #expect(status["active"] as? Bool == true)
            #expect(status["session_id"] as? Int == session)
            #expect(status["total"] as? Int == 3 && status["pending"] as? Int == 1)
            #expect((status["progress_percent"] as? Double ?? 0) > 66 && (status["progress_percent"] as? Double ?? 0) < 67)
            #expect(status["started_at"] is String)

            let cancel = try await client.execute(uri: "/api/thumbnails/regenerate-all/cancel", method: .post)
            #expect(cancel.status == .ok)
            #expect(cancel.data["cancelled_jobs"] as? Int == 1)
            let ended = await events.next { $0.type == "thumbnail_regeneration_cancelled" }
            #expect(ended?.data["session_id"] as? Int == session)
            let final = try await client.execute(uri: "/api/thumbnails/regenerate-all/status", method: .get).data
            #expect(final["active"] as? Bool == false)
            #expect(final["status"] as? String == "cancelled")
            #expect(final["pending"] as? Int == 0 && final["completed"] as? Int == 2 && final["cancelled"] as? Int == 1)
            let pending = try await client.execute(uri: "/api/thumbnails/jobs?status=pending", method: .get)
            #expect((pending.json["data"] as? [[String: Any]])?.contains { $0["session_id"] as? Int == session } == false)
            let noSession = try await client.execute(uri: "/api/thumbnails/regenerate-all/cancel", method: .post)
            #expect(noSession.status == .conflict)

            // The regenerated images got a new generation (versioned URL v=2).
            let image0 = try await client.execute(uri: "/api/images/\(c.images[0]["id"] as! Int)", method: .get)
            #expect(String(decoding: image0.body.readableBytesView, as: UTF8.self).contains("v=2"))
        }
    }

    @Test("a session that runs to the end completes by itself", arguments: TestEngines.all)
    func regenerateCompletes(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            _ = try await Self.capture(client, fixture, count: 2)
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let start = try await client.execute(uri: "/api/thumbnails/regenerate-all", method: .post, body: Pipeline.json(["limit": 1]))
            #expect(start.data["jobs_queued"] as? Int == 1)
            let completed = await events.next(timeout: .seconds(20)) { $0.type == "thumbnail_regeneration_completed" }
            #expect(completed?.data["completed"] as? Int == 1)
            let status = try await client.execute(uri: "/api/thumbnails/regenerate-all/status", method: .get).data
            #expect(status["active"] as? Bool == false && status["status"] as? String == "completed")
            #expect(status["progress_percent"] as? Double == 100)
        }
    }

    @Test("timelapse generate and stats, system stats, metrics", arguments: TestEngines.all)
    func timelapseOperations(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let c = try await Self.capture(client, fixture, count: 3)
            let missingOnly = try await client.execute(uri: "/api/timelapses/\(c.timelapse)/thumbnails/generate", method: .post,
                                                       body: Pipeline.json(["force_regenerate": false, "include_smalls": true]))
            #expect(missingOnly.status == .accepted)
            #expect(missingOnly.data["jobs_queued"] as? Int == 0)
            let all = try await client.execute(uri: "/api/timelapses/\(c.timelapse)/thumbnails/generate", method: .post,
                                               body: Pipeline.json(["force_regenerate": true]))
            #expect(all.data["jobs_queued"] as? Int == 3)
            #expect(all.data["estimated_completion"] is String)
            let unknown = try await client.execute(uri: "/api/timelapses/999/thumbnails/generate", method: .post)
            #expect(unknown.status == .notFound)
            try await waitUntil("regenerated timelapse") {
                let s = try await client.execute(uri: "/api/timelapses/\(c.timelapse)/thumbnails/stats", method: .get).data
                return (s["generation_status"] as? [String: Any])?["pending_jobs"] as? Int == 0
                    && (s["generation_status"] as? [String: Any])?["processing_jobs"] as? Int == 0
            }
            let stats = try await client.execute(uri: "/api/timelapses/\(c.timelapse)/thumbnails/stats", method: .get).data
            #expect(stats["timelapse_id"] as? Int == c.timelapse)
            #expect(stats["total_images"] as? Int == 3 && stats["thumbnail_count"] as? Int == 3 && stats["small_count"] as? Int == 3)
            #expect(((stats["disk_usage"] as? [String: Any])?["thumbnails_bytes"] as? Int ?? 0) > 0)
            #expect((stats["generation_status"] as? [String: Any])?["last_generated_at"] is String)
            let system = try await client.execute(uri: "/api/thumbnails/stats", method: .get).data
            #expect(system["total_images"] as? Int == 3 && system["images_with_smalls"] as? Int == 3)
            #expect((system["generation_stats"] as? [String: Any])?["completed_jobs_24h"] as? Int == 6)
            #expect(system["orphaned_thumbnail_files"] is NSNull)
            let unknownStats = try await client.execute(uri: "/api/timelapses/999/thumbnails/stats", method: .get)
            #expect(unknownStats.status == .notFound)

            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            let text = String(decoding: metrics.body.readableBytesView, as: UTF8.self)
            #expect(text.contains("timelapser_thumbnail_jobs{status=\"completed\"} 6"))
            #expect(text.contains("timelapser_variant_files{variant=\"thumbnail\"} 3"))
            #expect(text.contains("timelapser_thumbnail_job_duration_seconds_bucket"))
            #expect(text.contains("timelapser_captures_total{result=\"accepted\"}"))
        }
    }
}
