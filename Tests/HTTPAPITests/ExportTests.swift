import AsyncHTTPClient
import Database
import DataDirectory
import Foundation
import Logging
import NIOCore
import Testing
import TestSupport

/// A timelapse as a ZIP: streamed in constant memory whatever its size, opened by Python's `zipfile` with every
/// frame byte-identical and `index.csv`, and imported again to the same frames at the same instants.
@Suite("Export a timelapse as a ZIP")
struct ExportTests {
    @Test("1,000 frames: the server's peak RSS does not grow with the archive; zipfile reads it; import round trip")
    func thousandFrames() async throws {
        let fixture = try await TestDatabase.make(.sqlite)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        let frame = TestFrames.scene(width: 1280, height: 960, seed: 7)
        let ids = try await fixture.database.withRunningClient {
            try await FrameSeeder.seed(fixture.database, layout: fixture.layout, count: 1000, jpeg: frame)
        }
        await fixture.database.close()
        let port = TimelapserProcess.freePort()
        let server = try TimelapserProcess(["serve", "--data-dir", fixture.dataDirectory, "--database-url", fixture.url, "--port", "\(port)",
                                            "--workers", "1"], logPath: fixture.dataDirectory + "/serve.log")
        defer { server.signal(SIGKILL) }
        try await waitUntil("the server to answer", timeout: .seconds(60), interval: .milliseconds(200)) {
            (try? await DecodeMemoryTests.request(port, .GET, "/api/health").status) == 200
        }
        let image = try await DecodeMemoryTests.request(port, .GET, "/api/images/\(ids[0])")
        let timelapse = try #require(image.data["timelapse_id"] as? Int)
        // A small export first: what the server holds for any export at all.
        let first = fixture.dataDirectory + "/first.zip"
        _ = try await Self.download(port, "/api/timelapses/\(timelapse)/export?to=2026-03-01T08:09:00Z", to: first)
        let before = try #require(DecodeMemoryTests.peakRSS(server.pid))
        let archive = fixture.dataDirectory + "/all.zip"
        let bytes = try await Self.download(port, "/api/timelapses/\(timelapse)/export", to: archive)
        let after = try #require(DecodeMemoryTests.peakRSS(server.pid))
        #expect(bytes > 1000 * frame.count, "\(bytes) bytes")
        #expect(after - before < 24 << 20, "peak RSS grew \((after - before) >> 20) MB over a \(bytes >> 20) MB export")

        // Python's zipfile: every member's CRC, each frame byte-identical to the file on disk, index.csv complete.
        let check = try await Self.python("""
            import csv, io, sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            rows = list(csv.reader(io.TextIOWrapper(z.open("index.csv"), encoding="utf-8")))
            assert rows[0] == ["file_name", "captured_at", "width", "height"], rows[0]
            frame = open(sys.argv[2], "rb").read()
            names = [r[0] for r in rows[1:]]
            assert all(z.read(n) == frame for n in names)
            assert all(r[2] == "0" or r[2].isdigit() for r in rows[1:])
            print(len(names), len(z.namelist()))
            """, arguments: [archive, fixture.dataDirectory + "/frame.jpg"], prepare: { try Data(frame).write(to: URL(fileURLWithPath: fixture.dataDirectory + "/frame.jpg")) })
        #expect(check.trimmingCharacters(in: .whitespacesAndNewlines) == "1000 1001", "\(check)")

        // Round trip: the archive imported into a new camera gives the same frames at the same instants.
        let camera = try #require(try await DecodeMemoryTests.request(port, .POST, "/api/cameras", json: ["name": "again"]).data["id"] as? Int)
        server.signal(SIGTERM)
        #expect(await server.waitForExit())
        let imported = try await CLIRun.run(["import", "--camera", "\(camera)", "--start-timelapse", "--json", "--data-dir", fixture.dataDirectory,
                                             "--database-url", fixture.url, archive], timeout: .seconds(600))
        #expect(imported.status == 0 && imported.json["imported"] as? Int == 1000, "\(imported.stdout)\(imported.stderr)")
        let database = try await TimelapserDatabase.open(fixture.location, logger: Logger(label: "export-test"))
        let (original, again) = try await database.withRunningClient {
            try await database.read { db in
                let all = try await ImageStore.fetchAll(db, timelapseId: nil)
                return (all.filter { $0.cameraId != Int64(camera) }.map(\.capturedAt).sorted(),
                        all.filter { $0.cameraId == Int64(camera) }.map(\.capturedAt).sorted())
            }
        }
        await database.close()
        #expect(again.count == 1000 && again == original)
    }

    /// Streams a GET into a file; the byte count.
    static func download(_ port: Int, _ path: String, to file: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(300))
        #expect(response.status == .ok && response.headers.first(name: "Content-Type") == "application/zip")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: file))
        defer { try? handle.close() }
        var total = 0
        for try await chunk in response.body {
            try handle.write(contentsOf: Data(chunk.readableBytesView))
            total += chunk.readableBytes
        }
        return total
    }

    static func python(_ script: String, arguments: [String], prepare: () throws -> Void) async throws -> String {
        try prepare()
        let folder = TempDir()
        defer { folder.cleanup() }
        let scriptPath = folder.path + "/check.py"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let process = try ChildProcess(executable: "/usr/bin/python3", arguments: [scriptPath] + arguments, stdoutPath: folder.path + "/out",
                                       stderrPath: folder.path + "/err")
        let status = await process.waitForExit(timeout: .seconds(120))
        let out = (try? String(contentsOfFile: folder.path + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: folder.path + "/err", encoding: .utf8)) ?? ""
        #expect(status == 0, "\(err)")
        return out
    }
}
