import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TimelapserCore

/// `timelapser thumbnails …` from a shell while `serve` runs on the same SQLite file.
@Suite("Two processes on one SQLite file")
struct SharedSQLiteTests {
    typealias Pipeline = CapturePipelineTests

    @Test("maintenance commands run beside a serving, capturing server: nothing fails, and the server's SSE clients see the commands' events")
    func commandsBesideServer() async throws {
        try await withTestServer(.sqlite) { client, fixture in
            let port = try #require(client.port)
            let events = try await EventStreamClient(port: port)
            defer { events.close() }
            _ = try await client.execute(uri: "/api/settings", method: .patch, body: Pipeline.json(["thumbnail_worker_interval": 1]))
            let (camera, timelapse) = try await Pipeline.cameraWithTimelapse(client, started: "2026-03-01T08:00:00Z")
            let storage = ["--json", "--database-url", fixture.url, "--data-dir", fixture.layout.root]
            // Captures keep arriving while the commands write to the same file.
            let uploads = Task {
                var statuses: [HTTPResponse.Status] = []
                for i in 0..<30 {
                    let at = Date(timeIntervalSince1970: 1_772_438_400 + Double(i) * 60).formatted(.iso8601)
                    statuses.append(try await Pipeline.post(client, camera: camera, TestFrames.scene(width: 640, height: 480, seed: i), at: at).status)
                }
                return statuses
            }
            let verify = try await CLIRun.run(["thumbnails", "verify"] + storage)
            let repair = try await CLIRun.run(["thumbnails", "repair"] + storage)
            let regenerate = try await CLIRun.run(["thumbnails", "regenerate", "--detach"] + storage)
            let statuses = try await uploads.value
            #expect(statuses == Array(repeating: .created, count: 30), "\(statuses)")
            for run in [verify, repair, regenerate] {
                #expect(run.status == 0, "\(run.arguments): \(run.stderr)")
                #expect(!run.stderr.contains("locked") && !run.stdout.contains("locked"), "\(run.stderr)")
            }
            #expect(verify.json["total_images"] is Int && repair.json["orphaned_files_found"] is Int)
            // The commands' events reach this server's stream (and so its serving cache).
            for kind in [ServerEvent.Kind.thumbnailsVerified, .thumbnailsRepaired, .regenerationStarted] {
                let event = await events.next(timeout: .seconds(20)) { $0.type == kind.rawValue }
                #expect(event?.event != nil, "no \(kind.rawValue) from the command's process")
            }
            // The server sees the command's session and finishes it with its own worker.
            try await waitUntil("the regeneration session to end", timeout: .seconds(90)) {
                try await client.execute(uri: "/api/thumbnails/regenerate-all/status", method: .get).data["active"] as? Bool == false
            }
            try await waitUntil("30 thumbnails", timeout: .seconds(90)) {
                try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data["thumbnail_count"] as? Int == 30
            }
        }
    }
}
