import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

/// The fast image path (answers from memory on the event loop) gives exactly the normal route's answers, and never
/// an answer the disk or the catalogue no longer backs.
@Suite("Image serving: the fast path and its byte cache")
struct ServingFastPathTests {
    typealias Serving = ImageServingTests

    static func health(_ client: some TestClientProtocol) async throws -> [String: Any] {
        try #require(try await client.execute(uri: "/api/health", method: .get).data["serving"] as? [String: Any])
    }

    static func fastResponses(_ client: some TestClientProtocol) async throws -> Int {
        try #require(try await health(client)["fast_responses"] as? Int)
    }

    /// Headers that must be the same whichever path answered (`Date` moves).
    static let compared: [HTTPField.Name] = [.eTag, .cacheControl, .contentLength, .contentType, .lastModified, .acceptRanges,
                                             Serving.variantHeader, Serving.nosniffHeader, .server]

    @Test("the second request is answered from memory with the same status, headers and bytes (200, 304, HEAD, ?v=)",
          arguments: TestEngines.all)
    func sameAnswers(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (_, id, image) = try await Serving.capturedImage(client, events: events)
            for uri in ["/api/images/\(id)/thumbnail", "/api/images/\(id)/small", "/api/images/\(id)/thumbnail?v=1"] {
                // A resolution is trusted for 5 s: on a loaded machine a round may straddle its expiry, so the fast
                // path must answer all three of some round (and every round's answers must equal the routed one).
                var answeredFast = false
                let deadline = ContinuousClock.now + .seconds(60)
                while !answeredFast, ContinuousClock.now < deadline {
                    let routed = try await Serving.get(client, uri)
                    let before = try await Self.fastResponses(client)
                    let fast = try await Serving.get(client, uri)
                    let fastHead = try await Serving.get(client, uri, method: .head)
                    let etag = try #require(routed.headers[.eTag])
                    let fast304 = try await Serving.get(client, uri, headers: [.ifNoneMatch: etag])
                    answeredFast = try await Self.fastResponses(client) == before + 3
                    #expect(fast.status == .ok && fastHead.status == .ok && fast304.status == .notModified)
                    for name in Self.compared {
                        #expect(fast.headers[name] == routed.headers[name], "\(uri) \(name)")
                        #expect(fastHead.headers[name] == routed.headers[name], "\(uri) HEAD \(name)")
                    }
                    #expect(fast.headers[.date] != nil)
                    #expect(Serving.bytes(fast) == Serving.bytes(routed))
                    #expect(fastHead.body.readableBytes == 0 && fast304.body.readableBytes == 0)
                    #expect(fast304.headers[.eTag] == etag)
                }
                #expect(answeredFast, "\(uri) was not answered by the fast path")
            }
            let thumbnail = try await Serving.get(client, "/api/images/\(id)/thumbnail")
            #expect(Serving.bytes(thumbnail) == (try Serving.file(fixture, image["thumbnail_path"])))
            // What the fast path leaves to the router still works: ranges, fallbacks, other queries.
            let range = try await Serving.get(client, "/api/images/\(id)/thumbnail", headers: [.range: "bytes=0-9"])
            #expect(range.status == .partialContent && range.body.readableBytes == 10)
            let other = try await Serving.get(client, "/api/images/\(id)/thumbnail?v=1&x=2")
            #expect(other.status == .ok)
        }
    }

    @Test("a file deleted by hand, an image deleted through the API, a regenerated variant: never answered from the cache",
          arguments: TestEngines.all)
    func staleNeverServed(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, id, image) = try await Serving.capturedImage(client, events: events)
            let uri = "/api/images/\(id)/thumbnail"
            _ = try await Serving.get(client, uri)
            let warm = try await Serving.get(client, uri)
            let etag = try #require(warm.headers[.eTag])

            // Regenerated: a new file, a new ETag, its own bytes.
            let queued = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
            #expect(queued.status == .accepted)
            let done = await events.next(timeout: .seconds(30)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id }
            #expect(done != nil)
            for _ in 0..<2 {
                let after = try await Serving.get(client, uri, headers: [.ifNoneMatch: etag])
                #expect(after.status == .ok)
                #expect(after.headers[.eTag] == "\"image-\(id)-\(Serving.capturedUnix)-thumbnail-g2\"")
                #expect(Serving.bytes(after) == (try Serving.file(fixture, image["thumbnail_path"])))
            }

            // Deleted by hand (no event says so): the cascade steps down at once, with or without If-None-Match. Thumbnails
            // off first: the step down would otherwise queue a regeneration that may finish between the two requests.
            try await ImageServingTests.thumbnailsOff(client, camera: camera)
            let current = try #require(try await Serving.get(client, uri).headers[.eTag])
            try Serving.remove(fixture, image["thumbnail_path"])
            let conditional = try await Serving.get(client, uri, headers: [.ifNoneMatch: current])
            #expect(conditional.status == .ok)
            #expect(conditional.headers[Serving.variantHeader] == "small")
            let plain = try await Serving.get(client, uri)
            #expect(plain.headers[Serving.variantHeader] == "small")

            // The small, warmed, then the image deleted through the API: 404 from then on.
            let smallURI = "/api/images/\(id)/small"
            _ = try await Serving.get(client, smallURI)
            let small = try await Serving.get(client, smallURI)
            let smallTag = try #require(small.headers[.eTag])
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .ok)
            #expect(try await Serving.get(client, smallURI).status == .notFound)
            #expect(try await Serving.get(client, smallURI, headers: [.ifNoneMatch: smallTag]).status == .notFound)
        }
    }

    @Test("the byte cache stays within serving_cache_bytes, least recently used out first", arguments: [DatabaseEngine.sqlite])
    func budget(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, first, _) = try await Serving.capturedImage(client, events: events)
            var ids = [first]
            for seed in 1..<24 {
                let at = "2026-03-02T15:\(String(format: "%02d", seed)):00Z"
                let posted = try await CapturePipelineTests.post(client, camera: camera, TestFrames.scene(width: 640, height: 480, seed: seed), at: at)
                ids.append(try #require(posted.data["image_id"] as? Int))
            }
            try await waitUntil("thumbnails of 24 frames", timeout: .seconds(120)) {
                let queue = try await client.execute(uri: "/api/health", method: .get).data["queue"] as? [String: Any]
                return queue?["pending"] as? Int == 0 && queue?["processing"] as? Int == 0
            }
            var largest = 0
            for id in ids {
                let head = try await Serving.get(client, "/api/images/\(id)/thumbnail", method: .head)
                largest = max(largest, Int(head.headers[.contentLength] ?? "") ?? 0)
            }
            #expect(largest > 0)
            // Room for 20 of the 24: the oldest must leave.
            let budget = largest * 20
            let patched = try await client.execute(uri: "/api/settings", method: .patch, body: CapturePipelineTests.json(["serving_cache_bytes": budget]))
            #expect(patched.status == .ok)
            for id in ids { _ = try await Serving.get(client, "/api/images/\(id)/thumbnail") }
            let serving = try await Self.health(client)
            let bytes = try #require(serving["cache_bytes"] as? Int), files = try #require(serving["cache_files"] as? Int)
            #expect(serving["cache_budget_bytes"] as? Int == budget)
            #expect(bytes <= budget, "\(bytes) bytes kept over a budget of \(budget)")
            #expect(files >= 16 && files < 24, "\(files) files kept")
            // The newest is kept (a fast 200), the oldest left (the router answers and keeps it again).
            // (Asked twice: the first re-resolves if the 5 s resolution has expired on a loaded machine.)
            _ = try await Serving.get(client, "/api/images/\(ids.last!)/thumbnail")
            let before = try await Self.fastResponses(client)
            _ = try await Serving.get(client, "/api/images/\(ids.last!)/thumbnail")
            #expect(try await Self.fastResponses(client) == before + 1)
            let beforeOldest = try await Self.fastResponses(client)
            _ = try await Serving.get(client, "/api/images/\(ids.first!)/thumbnail")
            #expect(try await Self.fastResponses(client) == beforeOldest)
            // Off: nothing kept.
            _ = try await client.execute(uri: "/api/settings", method: .patch, body: CapturePipelineTests.json(["serving_cache_bytes": 0]))
            _ = try await Serving.get(client, "/api/images/\(ids.first!)/thumbnail")
            #expect(try await Self.health(client)["cache_bytes"] as? Int == 0)
        }
    }

    @Test("pipelined requests are answered in order when the router answers the first", arguments: [DatabaseEngine.sqlite])
    func pipelining(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (_, id, _) = try await Serving.capturedImage(client, events: events)
            _ = try await Serving.get(client, "/api/images/\(id)/thumbnail")
            let connection = try RawHTTPConnection(port: try #require(client.port))
            let host = "Host: 127.0.0.1\r\n"
            try connection.send("GET /api/health HTTP/1.1\r\n\(host)\r\n"
                                + "GET /api/images/\(id)/thumbnail HTTP/1.1\r\n\(host)\r\n"
                                + "GET /api/openapi.json HTTP/1.1\r\n\(host)\r\n"
                                + "GET /api/images/\(id)/thumbnail HTTP/1.1\r\n\(host)Connection: close\r\n\r\n")
            let text = String(decoding: await blockingCall { connection.readUntilClosed(timeout: .seconds(20)) }, as: UTF8.self)
            let types = text.components(separatedBy: "\r\n").compactMap { line -> String? in
                let lower = line.lowercased()
                return lower.hasPrefix("content-type:") ? String(lower.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) : nil
            }
            #expect(types.count == 4, "\(types)")
            #expect(types.first?.hasPrefix("application/json") == true)
            #expect(types.dropFirst().first == "image/jpeg")
            #expect(types.dropFirst(2).first?.hasPrefix("application/json") == true)
            #expect(types.last == "image/jpeg")
        }
    }

    @Test("users mode: a viewer's session is answered fast, anonymous never, a signed-out session no longer",
          arguments: [DatabaseEngine.sqlite])
    func usersMode(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        try await UsersModeServer.addUsers(fixture)
        await fixture.database.close()
        try await UsersModeServer.run(fixture) { client in
            let admin = UsersModeServer.session(try await UsersModeServer.signIn(client, "admin"))
            let viewer = UsersModeServer.session(try await UsersModeServer.signIn(client, "viewer"))
            let camera = try await client.execute(uri: "/api/cameras", method: .post, headers: admin,
                                                  body: UsersModeServer.json(["name": "fast"])).data
            let cameraId = try #require(camera["id"] as? Int)
            _ = try await client.execute(uri: "/api/cameras/\(cameraId)/timelapses", method: .post, headers: admin,
                                         body: UsersModeServer.json(["started_at": "2026-03-01T08:00:00Z"]))
            var captureHeaders = admin
            captureHeaders[.contentType] = "image/jpeg"
            let posted = try await client.execute(uri: "/api/cameras/\(cameraId)/captures?captured_at=2026-03-02T14:30:22Z", method: .post,
                                                  headers: captureHeaders, body: ByteBuffer(bytes: TestFrames.scene(width: 640, height: 480)))
            let id = try #require(posted.data["image_id"] as? Int)
            let uri = "/api/images/\(id)/thumbnail"
            try await waitUntil("the thumbnail", timeout: .seconds(60)) {
                try await client.execute(uri: uri, method: .head, headers: viewer).headers[ImageServingTests.variantHeader] == "thumbnail"
            }
            let fastCount: @Sendable () async throws -> Int = {
                let serving = try await client.execute(uri: "/api/health", method: .get).data["serving"] as? [String: Any]
                return try #require(serving?["fast_responses"] as? Int)
            }
            // A round may straddle the 5 s expiry of the resolution or the credential on a loaded machine: one of
            // three must be answered fast, and every answer is private.
            var before = 0, answeredFast = false
            for _ in 0..<3 where !answeredFast {
                _ = try await client.execute(uri: uri, method: .get, headers: viewer)
                before = try await fastCount()
                let answered = try await client.execute(uri: uri, method: .get, headers: viewer)
                #expect(answered.status == .ok)
                #expect(answered.headers[.cacheControl]?.hasPrefix("private") == true, "\(answered.headers)")
                answeredFast = try await fastCount() == before + 1
                before += answeredFast ? 1 : 0
            }
            #expect(answeredFast)
            let anonymous = try await client.execute(uri: uri, method: .get)
            #expect(anonymous.status == .unauthorized && anonymous.headers[.contentType] != "image/jpeg")
            let signedOut = try await client.execute(uri: "/api/auth/logout", method: .post, headers: viewer)
            #expect(signedOut.status == .noContent || signedOut.status == .ok)
            #expect(try await client.execute(uri: uri, method: .get, headers: viewer).status == .unauthorized)
            #expect(try await fastCount() == before)
        }
    }
}
