import AsyncHTTPClient
import Database
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TestSupport

/// A backup taken while frames are uploaded holds each frame completely (row and file) or not at all; restored
/// into a new data directory, exactly the backed-up frames are served, byte for byte; `backup --verify` passes, and
/// fails once a frame in the backup is altered.
@Suite("Backup and restore while serving")
struct BackupRestoreTests {
    static func request(_ port: Int, _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil,
                        jpeg: [UInt8]? = nil) async throws -> (status: Int, body: [UInt8]) {
        try await LiveHTTP.request(port, method, path, json: json, jpeg: jpeg, timeout: .seconds(60))
    }

    static func data(_ body: [UInt8]) -> Any? { LiveHTTP.data(body) }

    static func serve(_ dataDir: String, databaseURL: String?, log: String) async throws -> (TimelapserProcess, Int) {
        let port = TimelapserProcess.freePort()
        let server = try TimelapserProcess(["serve", "--data-dir", dataDir, "--port", "\(port)"]
                                           + (databaseURL.map { ["--database-url", $0] } ?? []), logPath: log)
        try await waitUntil("the server to answer", timeout: .seconds(60), interval: .milliseconds(200)) {
            (try? await Self.request(port, .GET, "/api/health").status) == 200
        }
        return (server, port)
    }

    @Test("backup during uploads: exactly the snapshot's frames restored, byte-identical and served; verify catches an altered frame",
          arguments: TestEngines.all)
    func backupWhileUploading(engine: DatabaseEngine) async throws {
        let folder = TempDir()
        defer { folder.cleanup() }
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        await fixture.database.close()
        let data = fixture.dataDirectory, backup = folder.path + "/backup", restored = folder.path + "/restored"
        let url = fixture.url
        let restoredURL = engine == .postgresql ? try await TestDatabase.emptyPostgresURL() : nil
        let (server, port) = try await Self.serve(data, databaseURL: url, log: folder.path + "/serve.log")
        defer { server.signal(SIGKILL) }
        let camera = try #require((Self.data(try await Self.request(port, .POST, "/api/cameras", json: ["name": "yard"]).body) as? [String: Any])?["id"] as? Int)
        let timelapse = try #require((Self.data(try await Self.request(port, .POST, "/api/cameras/\(camera)/timelapses",
                                                                       json: ["started_at": "2026-03-01T00:00:00Z"]).body) as? [String: Any])?["id"] as? Int)
        // Uploads run throughout the backup.
        let posted = Mutex<[Int]>([])
        let stop = Mutex(false)
        let uploads = Task {
            var i = 0
            while !stop.withLock({ $0 }) {
                let at = "2026-03-02T10:\(String(format: "%02d", i / 60)):\(String(format: "%02d", i % 60))Z"
                if let answer = try? await Self.request(port, .POST, "/api/cameras/\(camera)/captures?captured_at=\(at)",
                                                         jpeg: TestFrames.scene(width: 320, height: 240, seed: i)),
                   answer.status == 201, let id = (Self.data(answer.body) as? [String: Any])?["image_id"] as? Int {
                    posted.withLock { $0.append(id) }
                }
                i += 1
            }
        }
        try await waitUntil("some frames before the backup", timeout: .seconds(60)) { posted.withLock { $0.count } >= 10 }
        let made = try await CLIRun.run(["backup", "--to", backup, "--data-dir", data, "--database-url", url])
        try await waitUntil("frames after the backup", timeout: .seconds(60)) { posted.withLock { $0.count } >= 25 }
        stop.withLock { $0 = true }
        await uploads.value
        #expect(made.status == 0, "\(made.stderr)")

        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: backup + "/manifest.json"))) as? [String: Any])
        let entries = try #require(manifest["entries"] as? [[String: Any]])
        let frames = entries.filter { ($0["file"] as? [String: Any])?["kind"] as? String == "frame" }
        let backedUp = Set(frames.compactMap { ($0["file"] as? [String: Any])?["image_id"] as? Int })
        let all = Set(posted.withLock { $0 })
        #expect(backedUp.count >= 10 && backedUp.isSubset(of: all), "\(backedUp.count) of \(all.count)")
        #expect(backedUp.count < all.count, "frames posted after the snapshot are not in the backup")

        let verified = try await CLIRun.run(["backup", "--verify", backup])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let restore = try await CLIRun.run(["restore", "--from", backup, "--data-dir", restored]
                                           + (restoredURL.map { ["--database-url", $0] } ?? []))
        #expect(restore.status == 0, "\(restore.stderr)")

        let (second, secondPort) = try await Self.serve(restored, databaseURL: restoredURL, log: folder.path + "/restored.log")
        defer { second.signal(SIGKILL) }
        let listed = try #require(Self.data(try await Self.request(secondPort, .GET, "/api/timelapses/\(timelapse)/images?limit=1000").body) as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? Int }) == backedUp)
        for frame in frames {
            let file = try #require(frame["file"] as? [String: Any])
            let id = try #require(file["image_id"] as? Int), path = try #require(file["path"] as? String)
            let served = try await Self.request(secondPort, .GET, "/api/images/\(id)/full")
            let original = Array(try Data(contentsOf: URL(fileURLWithPath: data + "/" + path)))
            #expect(served.status == 200 && served.body == original, "image \(id)")
        }

        // One byte of one frame in the backup changed (same size): verify fails and names it.
        let victim = try #require((frames.first?["file"] as? [String: Any])?["path"] as? String)
        let handle = try #require(FileHandle(forUpdatingAtPath: backup + "/data/" + victim))
        try handle.seek(toOffset: 200)
        let original = try #require(try handle.read(upToCount: 1))
        try handle.seek(toOffset: 200)
        try handle.write(contentsOf: Data([original[0] ^ 0xFF]))
        try handle.close()
        let altered = try await CLIRun.run(["backup", "--verify", backup])
        #expect(altered.status != 0)
        #expect(altered.stdout.contains(victim), "\(altered.stdout)")
    }
}
