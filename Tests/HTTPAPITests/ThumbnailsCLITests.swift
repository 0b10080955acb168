import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

/// `timelapser thumbnails …` and the other commands' help, run as child processes of the real binary.
@Suite("timelapser thumbnails CLI and command help")
struct ThumbnailsCLITests {
    /// `timelapser thumbnails VERB --json` against the fixture's database and data directory.
    static func thumbnails(_ verb: [String], _ fixture: TestDatabase) async throws -> [String: Any] {
        let run = try await CLIRun.run(["thumbnails"] + verb + ["--json", "--database-url", fixture.url, "--data-dir", fixture.layout.root])
        #expect(run.status == 0, "\(run.arguments): \(run.stderr)")
        let json = run.json
        #expect(!json.isEmpty, "\(run.arguments) printed no JSON object: \(run.stdout)")
        return json
    }

    static func sum(_ root: String, _ paths: [String]) -> Int {
        paths.reduce(0) { $0 + (Coverage.fileSize(root, $1) ?? 0) }
    }

    @Test("stats, verify, cleanup --dry-run and repair: their JSON numbers match the disk and the database",
          arguments: TestEngines.all)
    func maintenanceVerbs(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let root = fixture.layout.root
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let camera = try await Coverage.camera(client)
            let timelapse = try await Coverage.timelapse(client, camera: camera)
            for i in 0..<3 {
                let frame = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 480, height: 360, seed: i + 1),
                                                       at: "2026-03-02T10:00:0\(i)Z")
                _ = try await Coverage.completion(events, image: try #require(frame["image_id"] as? Int))
            }
            let images = Coverage.list(try await client.execute(uri: "/api/timelapses/\(timelapse)/images", method: .get))
            try #require(images.count == 3)
            let frames = images.compactMap { $0["file_path"] as? String }
            let thumbnails = images.compactMap { $0["thumbnail_path"] as? String }
            let smalls = images.compactMap { $0["small_path"] as? String }
            try #require(thumbnails.count == 3 && smalls.count == 3)

            // stats: the aggregates equal the bytes on disk; no orphan scan yet.
            let stats = try await Self.thumbnails(["stats"], fixture)
            #expect(stats["total_images"] as? Int == 3)
            #expect(stats["images_with_thumbnails"] as? Int == 3)
            #expect(stats["images_with_smalls"] as? Int == 3)
            #expect(stats["timelapses"] as? Int == 1)
            #expect((stats["coverage"] as? [String: Any])?["thumbnail_percent"] as? Double == 100)
            let usage = try #require(stats["total_disk_usage"] as? [String: Any])
            #expect(usage["thumbnails_bytes"] as? Int == Self.sum(root, thumbnails))
            #expect(usage["smalls_bytes"] as? Int == Self.sum(root, smalls))
            #expect(usage["frames_bytes"] as? Int == Self.sum(root, frames))
            #expect(usage["thumbnails_bytes"] as? Int == images.compactMap { $0["thumbnail_size"] as? Int }.reduce(0, +))
            #expect(stats["orphaned_thumbnail_files"] is NSNull)
            let generation = try #require(stats["generation_stats"] as? [String: Any])
            #expect(generation["completed_jobs_24h"] as? Int == 3)
            #expect(generation["pending_jobs"] as? Int == 0)
            // The CLI and the API answer the same numbers.
            let apiStats = try await client.execute(uri: "/api/thumbnails/stats", method: .get).data
            #expect((apiStats["total_disk_usage"] as? [String: Any])?["smalls_bytes"] as? Int == usage["smalls_bytes"] as? Int)

            // verify: a thumbnail deleted behind the server's back is found, its path cleared, the count rewritten.
            let lost = thumbnails[0]
            let lostBytes = try Data(contentsOf: URL(fileURLWithPath: root + "/" + lost))
            try FileManager.default.removeItem(atPath: root + "/" + lost)
            let verify = try await Self.thumbnails(["verify"], fixture)
            #expect(verify["total_images"] as? Int == 3)
            #expect(verify["valid_thumbnails"] as? Int == 2)
            #expect(verify["missing_thumbnails"] as? Int == 1)
            #expect(verify["valid_smalls"] as? Int == 3)
            #expect(verify["missing_smalls"] as? Int == 0)
            #expect(verify["invalid_thumbnails_cleared"] as? Int == 1)
            #expect(verify["invalid_smalls_cleared"] as? Int == 0)
            #expect((verify["database_counts"] as? [String: Any])?["thumbnail_count"] as? Int == 3)
            #expect((verify["updated_counts"] as? [String: Any])?["thumbnail_count"] as? Int == 2)
            #expect(verify["counts_updated"] as? Bool == true)
            #expect(verify["timelapses_checked"] as? Int == 1)
            let lostId = try #require(images[0]["id"] as? Int)
            #expect(try await Coverage.image(client, lostId)["thumbnail_path"] is NSNull)
            #expect(try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 2)

            // Two orphans: the lost thumbnail comes back under its name (it matches its image), and a small named
            // after a frame that does not exist (it matches nothing).
            try lostBytes.write(to: URL(fileURLWithPath: root + "/" + lost))
            let folder = DataLayout.timelapseDirectory(cameraId: Int64(camera), timelapseId: Int64(timelapse))
            let stray = "\(folder)/smalls/timelapse-\(timelapse)_small_day009_235959.jpg"
            try Data(contentsOf: URL(fileURLWithPath: root + "/" + smalls[1])).write(to: URL(fileURLWithPath: root + "/" + stray))
            let straySize = try #require(Coverage.fileSize(root, stray))

            let dryRun = try await Self.thumbnails(["cleanup", "--dry-run"], fixture)
            #expect(dryRun["orphaned_files_found"] as? Int == 2)
            #expect(dryRun["orphaned_thumbnail_files"] as? Int == 1)
            #expect(dryRun["orphaned_small_files"] as? Int == 1)
            #expect(dryRun["matchable_files"] as? Int == 1)
            #expect(dryRun["deletable_files"] as? Int == 1)
            #expect(dryRun["deletable_bytes"] as? Int == straySize)
            #expect(dryRun["files_deleted"] as? Int == 0)
            #expect(dryRun["bytes_freed"] as? Int == 0)
            #expect(dryRun["dry_run"] as? Bool == true)
            let listed = try #require(dryRun["files"] as? [[String: Any]])
            #expect(listed.count == 2)
            let lostEntry = listed.first { $0["path"] as? String == lost }
            #expect(lostEntry?["variant"] as? String == "thumbnail")
            #expect(lostEntry?["matches_image_id"] as? Int == lostId)
            #expect(lostEntry?["size"] as? Int == lostBytes.count)
            let strayEntry = listed.first { $0["path"] as? String == stray }
            #expect(strayEntry?["variant"] as? String == "small")
            #expect(strayEntry?["matches_image_id"] is NSNull)
            #expect(Coverage.exists(root + "/" + stray) && Coverage.exists(root + "/" + lost), "a dry run deletes nothing")
            let scanned = try await Self.thumbnails(["stats"], fixture)
            #expect(scanned["orphaned_thumbnail_files"] as? Int == 1)
            #expect(scanned["orphaned_small_files"] as? Int == 1)
            #expect(scanned["orphaned_bytes"] as? Int == straySize + lostBytes.count)

            // repair: the matching thumbnail is linked back, the stray small deleted.
            let repair = try await Self.thumbnails(["repair"], fixture)
            #expect(repair["orphaned_files_found"] as? Int == 2)
            #expect(repair["files_matched"] as? Int == 1)
            #expect(repair["files_deleted"] as? Int == 1)
            #expect(repair["bytes_freed"] as? Int == straySize)
            #expect(repair["database_records_updated"] as? Int == 1)
            #expect(repair["timelapses_affected"] as? Int == 1)
            #expect(!Coverage.exists(root + "/" + stray))
            #expect(Coverage.exists(root + "/" + lost))
            let relinked = try await Coverage.image(client, lostId)
            #expect(relinked["thumbnail_path"] as? String == lost)
            #expect(relinked["thumbnail_size"] as? Int == lostBytes.count)
            #expect(try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 3)
            if engine == .postgresql {
                // The CLI process's report reached the running server through the relay.
                let received = await events.next(timeout: .seconds(20)) { $0.type == "thumbnails_repaired" }
                #expect(received?.event == .thumbnailsRepaired(ThumbnailsRepaired(
                    orphanedFilesFound: 2, filesMatched: 1, filesDeleted: 1, databaseRecordsUpdated: 1, timelapsesAffected: 1)))
            }

            let after = try await Self.thumbnails(["stats"], fixture)
            #expect(after["images_with_thumbnails"] as? Int == 3)
            #expect(after["orphaned_thumbnail_files"] as? Int == 0)
            #expect(after["orphaned_small_files"] as? Int == 0)
            #expect((after["total_disk_usage"] as? [String: Any])?["thumbnails_bytes"] as? Int == Self.sum(root, thumbnails))
            let clean = try await Self.thumbnails(["verify"], fixture)
            #expect(clean["valid_thumbnails"] as? Int == 3)
            #expect(clean["counts_updated"] as? Bool == false)
        }
    }

    static let serverOnlyFlags = ["--host", "--port", "--api-token"]

    @Test("maintenance, import and worker help never offer server-only flags; serve's does",
          arguments: [["thumbnails", "stats"], ["thumbnails", "verify"], ["thumbnails", "repair"], ["thumbnails", "cleanup"],
                      ["thumbnails", "regenerate"], ["thumbnails", "delete-all"], ["import"], ["worker"], ["serve"]])
    func helpFlags(command: [String]) async throws {
        let run = try await CLIRun.run(command + ["--help"], timeout: .seconds(30))
        #expect(run.status == 0, "\(run.stderr)")
        let help = run.stdout
        #expect(help.contains("--data-dir") && help.contains("--database-url"), "not the help of \(command): \(help)")
        for flag in Self.serverOnlyFlags {
            if command == ["serve"] {
                #expect(help.contains(flag), "serve --help lacks \(flag)")
            } else {
                #expect(!help.contains(flag), "\(command.joined(separator: " ")) --help offers \(flag)")
            }
        }
        if command == ["worker"] || command == ["serve"] { #expect(help.contains("--workers")) }
    }
}
