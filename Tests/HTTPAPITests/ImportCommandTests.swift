import Database
import DataDirectory
import Foundation
import Testing
import TestSupport
import TimelapserCore

@Suite("timelapser import")
struct ImportCommandTests {
    @Test("imports good frames in time order, refuses bad ones, skips duplicates", arguments: TestEngines.all)
    func importFolder(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let camera = try await t.database.transaction { db in
                try await CameraStore.insert(db, name: "old", rtspUrl: nil, captureIntervalSeconds: 300, generateThumbnails: true, at: Date())
            }
            let folder = t.dataDirectory + "/incoming"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let base = Date(timeIntervalSince1970: 1_760_000_000)
            let files: [(String, [UInt8], TimeInterval)] = [
                ("b.jpg", TestFrames.scene(width: 320, height: 240, seed: 2), 300),
                ("a.jpg", TestFrames.scene(width: 320, height: 240, seed: 1), 0),
                ("c.JPG", TestFrames.scene(width: 320, height: 240, seed: 3), 600),
                ("dead.jpg", TestFrames.flat(), 900),
                ("page.jpg", TestFrames.html, 1200),
                ("notes.txt", Array("x".utf8), 0),
            ]
            for (name, bytes, offset) in files {
                let path = folder + "/" + name
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.modificationDate: base + offset], ofItemAtPath: path)
            }
            let arguments = ["import", "--database-url", t.url, "--data-dir", t.layout.root, "--camera", "\(camera.id)",
                             "--start-timelapse", "--json", folder]
            let run = try TimelapserProcess(arguments, logPath: t.dataDirectory + "/import.log")
            #expect(await run.waitForExit(timeout: .seconds(60)))
            #expect(run.process.terminationStatus == 0, "\(run.log)")
            #expect(run.log.contains(#""imported":3"#), "\(run.log)")
            #expect(run.log.contains(#""flat_colour":1"#))
            #expect(run.log.contains(#""not_jpeg":1"#))

            let images = try await t.database.read { try await ImageStore.fetchAll($0, timelapseId: nil) }
            #expect(images.map(\.capturedAt) == [base, base + 300, base + 600])
            #expect(images.allSatisfy { FileManager.default.fileExists(atPath: t.layout.root + "/" + $0.filePath) })
            let jobs = try await t.database.read { try await JobStore.counts($0) }
            #expect(jobs.pending == 3)

            let again = try TimelapserProcess(arguments, logPath: t.dataDirectory + "/import-2.log")
            #expect(await again.waitForExit(timeout: .seconds(60)))
            #expect(again.log.contains(#""duplicates":3"#), "\(again.log)")
        }
    }
}
