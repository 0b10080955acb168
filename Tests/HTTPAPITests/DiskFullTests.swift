import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport
import TimelapserCore
@testable import timelapser

#if canImport(Glibc)
import Glibc
#endif

/// A full data volume is an answer (507), never a partial file, a lost frame or a burnt job.
@Suite("A full disk")
struct DiskFullTests {
    typealias Pipeline = CapturePipelineTests

    /// A small tmpfs of its own (the tests run as root, in CI too); unmounted afterwards.
    struct SmallVolume {
        let path: String

        init(megabytes: Int) throws {
            path = NSTemporaryDirectory() + "timelapser-volume-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
            try mount.launchSerialized()
            mount.waitUntilExit()
            guard mount.terminationStatus == 0 else { throw TestSetupError("cannot mount a tmpfs at \(path)") }
        }

        var free: Int64 { DiskUsage.of(path)?.freeBytes ?? 0 }

        /// Fills the volume until `leaving` bytes are free (a file of its own, outside the frame folders).
        func fill(leaving: Int64) throws {
            let filler = path + "/filler-\(UUID().uuidString)"
            let amount = Int(max(0, free - leaving))
            guard FileManager.default.createFile(atPath: filler, contents: Data(repeating: 0x5A, count: amount)) else {
                throw TestSetupError("cannot fill \(path)")
            }
        }

        func emptyFillers() {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name.hasPrefix("filler-") {
                try? FileManager.default.removeItem(atPath: path + "/" + name)
            }
        }

        func unmount() {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [path]
            try? umount.launchSerialized()
            umount.waitUntilExit()
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    static func health(_ client: some TestClientProtocol) async throws -> [String: Any] {
        try await client.execute(uri: "/api/health", method: .get).data["disk"] as? [String: Any] ?? [:]
    }

    static func framesAndTemps(_ volume: SmallVolume) -> (frames: [String], temps: [String]) {
        var frames: [String] = [], temps: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: volume.path + "/cameras")
        while let name = enumerator?.nextObject() as? String {
            if name.contains("/.tmp.") { temps.append(name) } else if name.contains("/frames/") { frames.append(name) }
        }
        return (frames, temps)
    }

    @Test("below the reserve: 507 and deferred jobs; a failed write: 507, nothing partial; space back: captures and jobs resume",
          .enabled(if: getuid() == 0))
    func fullDisk() async throws {
        let volume = try SmallVolume(megabytes: 24)
        defer { volume.unmount() }
        let fixture = try await TestDatabase.make(.sqlite)
        await fixture.database.close()
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        let configuration = AppConfiguration(host: "127.0.0.1", port: 0, layout: DataLayout(root: volume.path),
                                             database: fixture.location, workers: 2, apiToken: nil)
        let app = try await buildTestApplication(configuration)
        try await app.test(.live) { client in
            await afterShutdown {
                let events = try await EventStreamClient(port: try #require(client.port))
                defer { events.close() }
                let reserve = 4 << 20
                _ = try await client.execute(uri: "/api/settings", method: .patch,
                                             body: Pipeline.json(["min_free_disk_bytes": reserve, "thumbnail_worker_interval": 1,
                                                                  // A full volume is ok again above the reserve plus one upload.
                                                                  "max_upload_bytes": 2_000_000]))
                let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client, started: "2026-03-01T08:00:00Z")
                func post(_ seed: Int, minute: Int, size: (Int, Int) = (640, 480)) async throws -> TestResponse {
                    try await Pipeline.post(client, camera: camera, TestFrames.scene(width: size.0, height: size.1, seed: seed),
                                            at: "2026-03-02T10:\(String(format: "%02d", minute)):00Z")
                }
                let first = try await post(1, minute: 0)
                #expect(first.status == .created)
                let id = try #require(first.data["image_id"] as? Int)
                try await waitUntil("the first thumbnail") {
                    try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 1
                }
                #expect(try await Self.health(client)["status"] as? String == "ok")

                // Below the reserve: captures are refused early, the event and health say so, jobs wait unburnt.
                try volume.fill(leaving: Int64(reserve / 2))
                let refused = try await post(2, minute: 1)
                #expect(refused.status.code == 507, "\(refused.json)")
                #expect(((refused.json["details"] as? [String: Any])?["free_bytes"] as? Int ?? 0) > 0)
                let low = await events.next(timeout: .seconds(20)) { $0.type == "disk_low" }
                guard case .diskLow(let announced)? = low?.event else { Issue.record("no disk_low event"); return }
                #expect(announced.status == "low" && announced.reserveBytes == Int64(reserve))
                #expect(try await Self.health(client)["status"] as? String == "low")
                let queued = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
                #expect(queued.status == .accepted)
                let jobId = try #require(queued.data["job_id"] as? Int)
                func job() async throws -> [String: Any] {
                    let jobs = try await client.execute(uri: "/api/thumbnails/jobs?image_id=\(id)", method: .get).json["data"] as? [[String: Any]]
                    return jobs?.first { $0["id"] as? Int == jobId } ?? [:]
                }
                try await Task.sleep(for: .seconds(3))  // several claim rounds of the worker
                #expect(try await job()["status"] as? String == "pending", "a job was run below the reserve")
                #expect(try await job()["retry_count"] as? Int == 0)

                // A write that fails for lack of space (no reserve left to protect it): 507, no partial file, no row.
                _ = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["min_free_disk_bytes": 0]))
                try volume.fill(leaving: 64 << 10)
                let before = Self.framesAndTemps(volume).frames
                let failed = try await post(3, minute: 2, size: (1600, 1200))
                #expect(failed.status.code == 507, "\(failed.json)")
                let after = Self.framesAndTemps(volume)
                #expect(after.frames == before && after.temps.isEmpty, "\(after)")
                #expect(try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["image_count"] as? Int == 1)
                #expect(try await Self.health(client)["status"] as? String == "full")

                // Space returns: within 30 s the volume is ok again, captures land and the waiting job completes.
                volume.emptyFillers()
                _ = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["min_free_disk_bytes": reserve]))
                try await waitUntil("the volume reported ok", timeout: .seconds(30)) {
                    try await Self.health(client)["status"] as? String == "ok"
                }
                #expect(try await post(4, minute: 3).status == .created)
                try await waitUntil("the deferred job completed", timeout: .seconds(30)) {
                    try await job()["status"] as? String == "completed"
                }
                #expect(try await job()["retry_count"] as? Int == 0)
                try await waitUntil("both frames' thumbnails", timeout: .seconds(30)) {
                    try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 2
                }
            }
        }.get()
    }

    @Test("a job whose variants find no room gives its attempt back and completes once space returns",
          .enabled(if: getuid() == 0))
    func workerOutOfSpace() async throws {
        let volume = try SmallVolume(megabytes: 16)
        defer { volume.unmount() }
        let fixture = try await TestDatabase.make(.sqlite)
        await fixture.database.close()
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        let configuration = AppConfiguration(host: "127.0.0.1", port: 0, layout: DataLayout(root: volume.path),
                                             database: fixture.location, workers: 1, apiToken: nil)
        let app = try await buildTestApplication(configuration)
        try await app.test(.live) { client in
            await afterShutdown {
                let events = try await EventStreamClient(port: try #require(client.port))
                defer { events.close() }
                // No reserve: the worker claims the job and its write itself runs out of space.
                _ = try await client.execute(uri: "/api/settings", method: .patch,
                                             body: Pipeline.json(["min_free_disk_bytes": 0, "thumbnail_worker_interval": 1,
                                                                  "max_upload_bytes": 2_000_000]))
                let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client, started: "2026-03-01T08:00:00Z")
                let posted = try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 1600, height: 1200, seed: 5),
                                                     at: "2026-03-02T10:00:00Z")
                let id = try #require(posted.data["image_id"] as? Int)
                try await waitUntil("the first thumbnail") {
                    try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 1
                }
                try volume.fill(leaving: 8 << 10)
                let queued = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
                let jobId = try #require(queued.data["job_id"] as? Int)
                func job() async throws -> [String: Any] {
                    let jobs = try await client.execute(uri: "/api/thumbnails/jobs?image_id=\(id)", method: .get).json["data"] as? [[String: Any]]
                    return jobs?.first { $0["id"] as? Int == jobId } ?? [:]
                }
                try await waitUntil("the volume reported full after the job's write", timeout: .seconds(30)) {
                    try await Self.health(client)["status"] as? String == "full"
                }
                let deferred = try await job()
                #expect(deferred["status"] as? String == "pending" && deferred["retry_count"] as? Int == 0, "\(deferred)")
                #expect(deferred["attempts"] as? Int == 0, "the attempt was not given back: \(deferred)")
                #expect(await events.next(timeout: .milliseconds(500)) { $0.type == "thumbnail_job_failed" } == nil)
                let temps = Self.framesAndTemps(volume).temps
                #expect(temps.isEmpty, "\(temps)")
                volume.emptyFillers()
                try await waitUntil("the deferred job completed", timeout: .seconds(30)) {
                    try await job()["status"] as? String == "completed"
                }
                #expect(try await client.execute(uri: "/api/images/\(id)", method: .get).data["urls"].map { "\($0)" }?.contains("thumbnail?v=2") == true)
            }
        }.get()
    }

    @Test("the default reserve is 1 GiB or 2 % of the volume, whichever is smaller; a setting overrides it")
    func defaultReserve() {
        var settings = Settings()
        #expect(settings.diskReserve(totalBytes: 10 << 30) == (10 << 30) / 50)
        #expect(settings.diskReserve(totalBytes: 1 << 40) == 1 << 30)
        settings.minFreeDiskBytes = 5
        #expect(settings.diskReserve(totalBytes: 1 << 40) == 5)
    }
}
