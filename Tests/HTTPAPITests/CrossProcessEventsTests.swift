@testable import Database
import DataDirectory
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import ImageServing
import Logging
import SQLKit
import Testing
import TestSupport
@testable import timelapser
import TimelapserCore

/// Events and wake-ups between processes sharing one PostgreSQL database.
///
/// `serve` always runs a thumbnail worker (`--workers` is 1–64), so a test that uploads to an ordinary server
/// could never tell whether a completion came from that server's own worker or from another process. Here the
/// in-process server is `serve`'s composition (`Composition.make`, the real router, the real relay, the real
/// serving-cache invalidation) started WITHOUT its worker service and its job LISTEN, so the only thumbnail
/// worker in the system is a child `timelapser worker` process. Every `thumbnail_job_completed` this server's SSE
/// clients see, and every change of what its serving cache answers, must therefore have crossed from the child
/// process over PostgreSQL NOTIFY (`CrossProcessEventRelay`).
///
/// Two more choices make the proof strict without timing assertions:
/// - the serving cache of this server keeps a resolution for an hour (instead of 5 s), so the served variant can
///   only change because the relayed event invalidated the entry;
/// - `thumbnail_worker_interval` is set to one hour before the child starts, so once it is idle it can only pick up
///   a new job in time when the server's NOTIFY on `timelapser_jobs` wakes it.
@Suite("Cross-process events and wake-ups over PostgreSQL", .serialized)
struct CrossProcessEventsTests {
    /// `serve` minus the thumbnail worker, the job LISTEN, the capture scheduler and the regeneration monitor,
    /// with a serving cache that only events can invalidate.
    static func withWorkerlessServer(_ fixture: TestDatabase,
                                     _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "workerless-server")
        logger.logLevel = .warning
        let composition = try await Composition.make(timelapserConfiguration(fixture), logger: logger)
        let resolver = ImageVariantResolver(database: composition.database, layout: composition.configuration.layout,
                                            settings: composition.settings, queue: composition.queue,
                                            events: composition.events, logger: logger, ttl: .seconds(3600))
        var services = composition.apiServices
        services.resolver = resolver
        let app = Application(router: HTTPAPI.buildRouter(services),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "Timelapser"),
                              services: composition.infrastructureServices + [resolver.cacheInvalidation],
                              logger: logger)
        try await app.test(.live) { client in await afterShutdown { try await body(client) } }.get()
    }

    /// Backends of this database LISTENing on `channel` (PostgreSQL shows a listening connection's last statement).
    static func listeners(_ fixture: TestDatabase, channel: String) async throws -> Int {
        try await fixture.database.read { db in
            let row = try await db.raw("""
                SELECT COUNT(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND query = \(bind: "LISTEN \"\(channel)\";")
                """).first()
            return try row?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    static func jobStatus(_ client: some TestClientProtocol, image: Int) async throws -> String? {
        let jobs = Coverage.list(try await client.execute(uri: "/api/thumbnails/jobs?image_id=\(image)", method: .get))
        return jobs.first?["status"] as? String
    }

    @Test("a `timelapser worker` process does the jobs: its completions reach this server's SSE clients and serving cache, and the server's NOTIFY wakes it",
          .enabled(if: TestEngines.all.contains(.postgresql)))
    func workerProcessEventsReachServer() async throws {
        try await TestDatabase.make(.postgresql).run { fixture in
            try await Self.withWorkerlessServer(fixture) { client in
                let port = try #require(client.port)
                let events = try await EventStreamClient(port: port)
                defer { events.close() }
                // The child's fallback poll is an hour: only a NOTIFY can wake it in time once it is idle.
                try await Coverage.patchSettings(client, ["thumbnail_worker_interval": 3600])
                let camera = try await Coverage.camera(client)
                let timelapse = try await Coverage.timelapse(client, camera: camera)

                // Frame 1 is queued while no worker exists anywhere.
                let first = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 640, height: 480, seed: 1),
                                                       at: "2026-03-02T14:30:22Z")
                let firstId = try #require(first["image_id"] as? Int)
                #expect(first["thumbnail_job_id"] is Int)
                #expect(try await Self.jobStatus(client, image: firstId) == "pending")
                // This server serves the full frame for now and caches that resolution (for an hour).
                let before = try await client.execute(uri: "/api/images/\(firstId)/thumbnail", method: .get)
                #expect(before.status == .ok)
                #expect(before.headers[Coverage.variantHeader] == "full")
                let capturedAt = try Coverage.unixSeconds(try #require(first["captured_at"] as? String))
                let staleTag = "\"image-\(firstId)-\(capturedAt)-full-g0\""
                #expect(before.headers[.eTag] == staleTag)

                // The server's relay must be listening before the child publishes anything.
                try await waitUntil("the server's relay LISTEN", timeout: .seconds(30)) {
                    try await Self.listeners(fixture, channel: "timelapser_events") >= 1
                }
                let worker = try TimelapserProcess(
                    ["worker", "--database-url", fixture.url, "--data-dir", fixture.layout.root, "--workers", "1"],
                    logPath: fixture.dataDirectory + "/worker.log")
                defer { worker.signal(SIGKILL) }

                // The child claims frame 1 at start-up; its completion arrives on THIS server's stream, typed.
                let done = try await Coverage.completion(events, image: firstId, timeout: .seconds(60))
                #expect(done.timelapseId == Int64(timelapse))
                #expect(done.cameraId == Int64(camera))
                #expect(done.thumbnailUrl == "/api/images/\(firstId)/thumbnail?v=1")
                #expect(done.smallUrl == "/api/images/\(firstId)/small?v=1")
                #expect(done.jobId == Int64(try #require(first["thumbnail_job_id"] as? Int)))
                #expect(try await Self.jobStatus(client, image: firstId) == "completed")

                // The relayed event invalidated the serving cache: the thumbnail is served with its new ETag, and
                // the old tag no longer revalidates.
                let freshTag = "\"image-\(firstId)-\(capturedAt)-thumbnail-g1\""
                try await waitUntil("the server to serve the new thumbnail", timeout: .seconds(20)) {
                    try await client.execute(uri: "/api/images/\(firstId)/thumbnail", method: .get).headers[.eTag] == freshTag
                }
                let after = try await client.execute(uri: "/api/images/\(firstId)/thumbnail", method: .get,
                                                     headers: [.ifNoneMatch: staleTag])
                #expect(after.status == .ok)
                #expect(after.headers[Coverage.variantHeader] == "thumbnail")
                #expect(after.headers[.eTag] == freshTag)
                let decoded = try #require(Fixtures.decode(Array(after.body.readableBytesView)))
                #expect(decoded.width == 200 && decoded.height == 150)
                let revalidated = try await client.execute(uri: "/api/images/\(firstId)/thumbnail", method: .get,
                                                           headers: [.ifNoneMatch: freshTag])
                #expect(revalidated.status == .notModified)

                // Frame 2 is queued while the child is idle (next poll in an hour), once its job LISTEN is up: the
                // server's NOTIFY at commit is what wakes it.
                try await waitUntil("the worker's job LISTEN", timeout: .seconds(30)) {
                    try await Self.listeners(fixture, channel: "timelapser_jobs") >= 1
                }
                let second = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 640, height: 480, seed: 2),
                                                        at: "2026-03-02T14:31:22Z")
                let secondId = try #require(second["image_id"] as? Int)
                let woken = try await Coverage.completion(events, image: secondId, timeout: .seconds(30))
                #expect(woken.thumbnailUrl == "/api/images/\(secondId)/thumbnail?v=1")
                let image = try await Coverage.image(client, secondId)
                #expect(image["thumbnail_path"] as? String
                        == "cameras/camera-\(camera)/timelapse-\(timelapse)/thumbnails/timelapse-\(timelapse)_thumb_day002_143122.jpg")
                let tl = try await client.execute(uri: "/api/timelapses/\(timelapse)", method: .get).data
                #expect(tl["thumbnail_count"] as? Int == 2)

                worker.signal(SIGTERM)
                #expect(await worker.waitForExit(), "graceful stop of the worker process")
                #expect(worker.process.terminationStatus == 0, "\(worker.log)")
            }
        }
    }

    @Test("a maintenance CLI process publishes its report: `thumbnails verify` reaches a running server's SSE stream",
          .enabled(if: TestEngines.all.contains(.postgresql)))
    func cliEventReachesServer() async throws {
        try await withTestServer(.postgresql) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let camera = try await Coverage.camera(client)
            let timelapse = try await Coverage.timelapse(client, camera: camera)
            let frame = try await Coverage.capture(client, camera: camera, TestFrames.scene(width: 320, height: 240), at: "2026-03-02T10:00:00Z")
            let id = try #require(frame["image_id"] as? Int)
            _ = try await Coverage.completion(events, image: id)
            // Remove the small behind the server's back; the CLI finds it.
            let small = try #require(try await Coverage.image(client, id)["small_path"] as? String)
            try FileManager.default.removeItem(atPath: fixture.layout.root + "/" + small)

            let run = try await CLIRun.run(["thumbnails", "verify", "--json", "--timelapse", "\(timelapse)",
                                            "--database-url", fixture.url, "--data-dir", fixture.layout.root])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.json["missing_smalls"] as? Int == 1)

            // The report was published in the CLI process; this server re-publishes it, decoded to the same type.
            let received = try #require(await events.next(timeout: .seconds(20)) { $0.type == "thumbnails_verified" })
            guard case .thumbnailsVerified(let report)? = received.event else {
                Issue.record("thumbnails_verified did not decode: \(received.raw)")
                return
            }
            #expect(report == ThumbnailsVerified(timelapseId: Int64(timelapse), totalImages: 1, validThumbnails: 1, validSmalls: 0,
                                                 missingThumbnails: 0, missingSmalls: 1, countsUpdated: true))
            #expect(try await Coverage.image(client, id)["small_path"] is NSNull)
        }
    }
}
