import Database
import DataDirectory
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import Logging
import NIOCore
import SQLKit
import Testing
import TestSupport
import TimelapserCore

@Suite("Image serving: cascade, HTTP caching, ranges, batch, confinement")
struct ImageServingTests {
    static let variantHeader = HTTPField.Name("X-Image-Variant")!
    static let nosniffHeader = HTTPField.Name("X-Content-Type-Options")!
    static let capturedAt = "2026-03-02T14:30:22Z"
    static let capturedUnix = 1_772_461_822

    /// A captured frame whose thumbnail and small exist: (camera, image id, image JSON).
    static func capturedImage(_ client: some TestClientProtocol, events: EventStreamClient, at: String = capturedAt,
                              camera: Int? = nil) async throws -> (camera: Int, image: Int, json: [String: Any]) {
        let cameraId: Int
        if let camera { cameraId = camera } else { (cameraId, _) = try await CapturePipelineTests.cameraWithTimelapse(client) }
        let posted = try await CapturePipelineTests.post(client, camera: cameraId, TestFrames.scene(width: 1024, height: 768), at: at)
        #expect(posted.status == .created)
        let imageId = try #require(posted.data["image_id"] as? Int)
        let done = await events.next(timeout: .seconds(30)) {
            $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == imageId
        }
        try #require(done != nil, "thumbnail job of image \(imageId) did not complete")
        let json = try await client.execute(uri: "/api/images/\(imageId)", method: .get).data
        return (cameraId, imageId, json)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get,
                    headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: headers)
    }

    static func bytes(_ response: TestResponse) -> [UInt8] { Array(response.body.readableBytesView) }

    static func file(_ fixture: TestDatabase, _ relative: Any?) throws -> [UInt8] {
        let path = try #require(relative as? String)
        return Array(try Data(contentsOf: URL(fileURLWithPath: fixture.layout.root + "/" + path)))
    }

    static func remove(_ fixture: TestDatabase, _ relative: Any?) throws {
        try FileManager.default.removeItem(atPath: fixture.layout.root + "/" + (try #require(relative as? String)))
    }

    /// Runs SQL on the test's database from a second connection (the server holds its own).
    static func sql(_ fixture: TestDatabase, _ statement: String) async throws {
        var logger = Logger(label: "test-sql")
        logger.logLevel = .warning
        let database = try await TimelapserDatabase.open(fixture.location, logger: logger)
        try await database.withRunningClient { try await database.read { db in try await db.raw(SQLQueryString(statement)).run() } }
        await database.close()
    }

    static func thumbnailsOff(_ client: some TestClientProtocol, camera: Int) async throws {
        let patched = try await client.execute(uri: "/api/cameras/\(camera)", method: .patch,
                                               body: CapturePipelineTests.json(["generate_thumbnails": false]))
        #expect(patched.status == .ok)
    }

    @Test("each variant is served with its own headers; deleting files steps down the cascade to the placeholder",
          arguments: TestEngines.all)
    func cascade(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, id, image) = try await Self.capturedImage(client, events: events)
            try await Self.thumbnailsOff(client, camera: camera)

            let expectations: [(String, String, Any?)] = [
                ("thumbnail", "g1", image["thumbnail_path"]), ("small", "g1", image["small_path"]), ("full", "g0", image["file_path"]),
            ]
            for (variant, generation, path) in expectations {
                let response = try await Self.get(client, "/api/images/\(id)/\(variant)")
                #expect(response.status == .ok)
                #expect(response.headers[Self.variantHeader] == variant)
                #expect(response.headers[.eTag] == "\"image-\(id)-\(Self.capturedUnix)-\(variant)-\(generation)\"")
                #expect(response.headers[.cacheControl] == "public, max-age=3600, s-maxage=3600")
                #expect(response.headers[.contentType] == "image/jpeg")
                #expect(response.headers[Self.nosniffHeader] == "nosniff")
                #expect(response.headers[.lastModified]?.hasSuffix(" GMT") == true)
                let onDisk = try Self.file(fixture, path)
                #expect(response.headers[.contentLength] == String(onDisk.count))
                #expect(Self.bytes(response) == onDisk, "\(variant) bytes")
            }
            let served = try await Self.get(client, "/api/images/\(id)/serve?size=small")
            #expect(served.headers[Self.variantHeader] == "small")
            #expect(try await Self.get(client, "/api/images/\(id)/serve?size=huge").status == .badRequest)

            var etags: Set<String> = [try #require(try await Self.get(client, "/api/images/\(id)/thumbnail").headers[.eTag])]
            let steps: [(Any?, String)] = [(image["thumbnail_path"], "small"), (image["small_path"], "full"), (image["file_path"], "placeholder")]
            for (path, next) in steps {
                try Self.remove(fixture, path)
                let response = try await Self.get(client, "/api/images/\(id)/thumbnail")
                #expect(response.status == .ok)
                #expect(response.headers[Self.variantHeader] == next)
                #expect(response.headers[.cacheControl] == "no-cache")
                let etag = try #require(response.headers[.eTag])
                #expect(etag.hasPrefix("\"image-\(id)-\(Self.capturedUnix)-\(next)-"))
                #expect(etags.insert(etag).inserted, "ETag must change when the cascade steps down")
                if next == "placeholder" { #expect(Self.bytes(response) == PlaceholderImage.jpeg) }
            }
            // A versioned URL never makes a fallback immutable.
            let versioned = try await Self.get(client, "/api/images/\(id)/full?v=0")
            #expect(versioned.headers[.cacheControl] == "no-cache")
        }
    }

    @Test("a missing variant file is regenerated when thumbnails are on", arguments: TestEngines.all)
    func missingQueuesRegeneration(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (_, id, image) = try await Self.capturedImage(client, events: events)
            try Self.remove(fixture, image["thumbnail_path"])
            let fallback = try await Self.get(client, "/api/images/\(id)/thumbnail")
            #expect(fallback.headers[Self.variantHeader] == "small")
            let regenerated = await events.next(timeout: .seconds(30)) {
                $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id
            }
            #expect(regenerated != nil)
            let back = try await Self.get(client, "/api/images/\(id)/thumbnail")
            #expect(back.headers[Self.variantHeader] == "thumbnail")
            #expect(back.headers[.eTag] == "\"image-\(id)-\(Self.capturedUnix)-thumbnail-g2\"")
            // The row was left alone (same path) and the file is back.
            #expect(try Self.file(fixture, image["thumbnail_path"]) == Self.bytes(back))
        }
    }

    @Test("regenerating changes the ETag; the current ?v= is immutable, a stale one is not", arguments: TestEngines.all)
    func regenerate(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (_, id, image) = try await Self.capturedImage(client, events: events)
            #expect((image["urls"] as? [String: Any])?["thumbnail"] as? String == "/api/images/\(id)/thumbnail?v=1")
            let before = try await Self.get(client, "/api/images/\(id)/thumbnail?v=1")
            #expect(before.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let full = try await Self.get(client, "/api/images/\(id)/full?v=0")
            #expect(full.headers[.cacheControl] == "public, max-age=31536000, immutable")

            let queued = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
            #expect(queued.status == .accepted)
            let done = await events.next(timeout: .seconds(30)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id }
            #expect(done?.data["thumbnail_url"] as? String == "/api/images/\(id)/thumbnail?v=2")

            let after = try await Self.get(client, "/api/images/\(id)/thumbnail?v=1")
            #expect(after.headers[.eTag] != before.headers[.eTag])
            #expect(after.headers[.eTag] == "\"image-\(id)-\(Self.capturedUnix)-thumbnail-g2\"")
            #expect(after.headers[.cacheControl] == "public, max-age=3600, s-maxage=3600")
            let current = try await Self.get(client, "/api/images/\(id)/thumbnail?v=2")
            #expect(current.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let old = try await Self.get(client, "/api/images/\(id)/thumbnail", headers: [.ifNoneMatch: try #require(before.headers[.eTag])])
            #expect(old.status == .ok)
            let json = try await client.execute(uri: "/api/images/\(id)", method: .get).data
            #expect((json["urls"] as? [String: Any])?["thumbnail"] as? String == "/api/images/\(id)/thumbnail?v=2")
        }
    }

    @Test("If-None-Match (exact, list, weak, *) → 304 without body; HEAD = GET headers without body", arguments: TestEngines.all)
    func conditional(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (_, id, _) = try await Self.capturedImage(client, events: events)
            let uri = "/api/images/\(id)/thumbnail"
            let full = try await Self.get(client, uri)
            let etag = try #require(full.headers[.eTag])
            for header in [etag, "\"nope\", \(etag)", "W/\(etag)", "*"] {
                let response = try await Self.get(client, uri, headers: [.ifNoneMatch: header])
                #expect(response.status == .notModified, "\(header)")
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] == etag)
                #expect(response.headers[.cacheControl] == full.headers[.cacheControl])
            }
            let miss = try await Self.get(client, uri, headers: [.ifNoneMatch: "\"image-\(id)-0-thumbnail-g1\""])
            #expect(miss.status == .ok)

            let head = try await Self.get(client, uri, method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            for name in [HTTPField.Name.eTag, .cacheControl, .contentLength, .contentType, .lastModified, Self.variantHeader, Self.nosniffHeader] {
                #expect(head.headers[name] == full.headers[name], "\(name)")
            }
            let headLatest = try await Self.get(client, "/api/images/\(id)/serve?size=full", method: .head)
            #expect(headLatest.headers[Self.variantHeader] == "full")
            #expect(headLatest.body.readableBytes == 0)
        }
    }

    @Test("single ranges → 206, beyond the end → 416, several ranges → whole file", arguments: TestEngines.all)
    func ranges(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (_, id, image) = try await Self.capturedImage(client, events: events)
            let uri = "/api/images/\(id)/full"
            let whole = try Self.file(fixture, image["file_path"])
            let size = whole.count

            let first = try await Self.get(client, uri, headers: [.range: "bytes=0-9"])
            #expect(first.status == .partialContent)
            #expect(first.headers[.contentRange] == "bytes 0-9/\(size)")
            #expect(first.headers[.contentLength] == "10")
            #expect(Self.bytes(first) == Array(whole[0...9]))

            let tail = try await Self.get(client, uri, headers: [.range: "bytes=-5"])
            #expect(tail.status == .partialContent)
            #expect(Self.bytes(tail) == Array(whole[(size - 5)...]))

            let open = try await Self.get(client, uri, headers: [.range: "bytes=\(size - 3)-"])
            #expect(open.headers[.contentRange] == "bytes \(size - 3)-\(size - 1)/\(size)")

            let beyond = try await Self.get(client, uri, headers: [.range: "bytes=\(size)-"])
            #expect(beyond.status == .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */\(size)")
            #expect(beyond.json["success"] as? Bool == false)

            let several = try await Self.get(client, uri, headers: [.range: "bytes=0-1,5-9"])
            #expect(several.status == .ok)
            #expect(Self.bytes(several) == whole)

            let staleIfRange = try await Self.get(client, uri, headers: [.range: "bytes=0-9", .ifRange: "\"other\""])
            #expect(staleIfRange.status == .ok)
        }
    }

    @Test("batch: 413 over 100 ids, 400 non-numeric, unknown ids in missing, inline bytes, not captured by images/:id",
          arguments: TestEngines.all)
    func batch(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, first, image) = try await Self.capturedImage(client, events: events)
            let (_, second, _) = try await Self.capturedImage(client, events: events, at: "2026-03-02T14:31:00Z", camera: camera)

            let tooMany = try await Self.get(client, "/api/images/batch?ids=" + (1...101).map(String.init).joined(separator: ","))
            #expect(tooMany.status == .contentTooLarge)
            #expect(tooMany.json["status_code"] as? Int == 413)
            let bad = try await Self.get(client, "/api/images/batch?ids=1,abc")
            #expect(bad.status == .badRequest)
            #expect(try await Self.get(client, "/api/images/batch").status == .badRequest)

            let response = try await Self.get(client, "/api/images/batch?ids=\(first),999999,\(second)&size=thumbnail&inline=true")
            #expect(response.status == .ok)
            let data = response.data
            #expect(data["missing"] as? [Int] == [999_999])
            let items = try #require(data["images"] as? [[String: Any]])
            #expect(items.map { $0["image_id"] as? Int } == [first, second])
            let item = items[0]
            #expect(item["variant"] as? String == "thumbnail")
            #expect(item["url"] as? String == "/api/images/\(first)/thumbnail?v=1")
            #expect(item["etag"] as? String == "\"image-\(first)-\(Self.capturedUnix)-thumbnail-g1\"")
            let encoded = try #require(item["data"] as? String)
            let decoded = try #require(Data(base64Encoded: encoded))
            #expect(Array(decoded) == (try Self.file(fixture, image["thumbnail_path"])))
            // The ETag the batch names is the one the URL answers with.
            let direct = try await Self.get(client, try #require(item["url"] as? String))
            #expect(direct.headers[.eTag] == item["etag"] as? String)

            let plain = try await Self.get(client, "/api/images/batch?ids=\(first)&size=small")
            let small = try #require((plain.data["images"] as? [[String: Any]])?.first)
            #expect(small["variant"] as? String == "small")
            #expect(small["data"] == nil)
        }
    }

    @Test("unknown images and cameras answer the 404 envelope", arguments: TestEngines.all)
    func unknown(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            for uri in ["/api/images/424242/thumbnail", "/api/images/424242/serve?size=full", "/api/cameras/77/latest-image/small",
                        "/api/cameras/77/latest-image"] {
                let response = try await Self.get(client, uri)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.json["success"] as? Bool == false, "\(uri)")
                #expect(response.json["status_code"] as? Int == 404, "\(uri)")
            }
        }
    }

    @Test("traversal attempts never yield a byte from outside the data directory", arguments: TestEngines.all)
    func traversal(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("serving-secret-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let secret = Array("TOP-SECRET-OUTSIDE-THE-DATA-DIR".utf8)
            #expect(FileManager.default.createFile(atPath: outside + "/secret.jpg", contents: Data(secret)))
            func leaks(_ response: TestResponse) -> Bool {
                String(decoding: Self.bytes(response), as: UTF8.self).contains("TOP-SECRET") || String(decoding: Self.bytes(response), as: UTF8.self).contains("root:")
            }

            for uri in ["/api/images/..%2f..%2fetc%2fpasswd/thumbnail", "/api/images/1%00/thumbnail", "/api/images//etc/passwd/thumbnail",
                        "/api/images/%2fetc%2fpasswd/full", "/api/images/1%2f..%2f..%2fetc%2fpasswd/full", "/api/images/-1/full",
                        "/api/images/1.5/full"] {
                let response = try await Self.get(client, uri)
                #expect(response.status == .notFound, "\(uri)")
                #expect(!leaks(response), "\(uri)")
            }

            let (camera, id, image) = try await Self.capturedImage(client, events: events)
            let (_, symlinked, linkedImage) = try await Self.capturedImage(client, events: events, at: "2026-03-02T14:35:00Z", camera: camera)
            try await Self.thumbnailsOff(client, camera: camera)

            // Rows pointing outside: `..`, an absolute path, and a symlink in the thumbnails folder leading out.
            try await Self.sql(fixture, "UPDATE images SET thumbnail_path = '../../etc/passwd', small_path = '/etc/passwd' WHERE id = \(id)")
            let thumbnails = try #require(linkedImage["thumbnail_path"] as? String)
            let link = (thumbnails as NSString).deletingLastPathComponent + "/timelapse-link_thumb_day002_143500.jpg"
            try FileManager.default.createSymbolicLink(atPath: fixture.layout.root + "/" + link, withDestinationPath: outside + "/secret.jpg")
            try await Self.sql(fixture, "UPDATE images SET thumbnail_path = '\(link)', small_path = '\(link)' WHERE id = \(symlinked)")

            for (target, frame) in [(id, image["file_path"]), (symlinked, linkedImage["file_path"])] {
                for variant in ["thumbnail", "small"] {
                    let response = try await Self.get(client, "/api/images/\(target)/\(variant)")
                    #expect(response.status == .ok)
                    #expect(response.headers[Self.variantHeader] == "full", "image \(target) \(variant)")
                    #expect(response.headers[.cacheControl] == "no-cache")
                    #expect(!leaks(response))
                    #expect(Self.bytes(response) == (try Self.file(fixture, frame)))
                }
            }
            let batch = try await Self.get(client, "/api/images/batch?ids=\(id),\(symlinked)&inline=true")
            for item in try #require(batch.data["images"] as? [[String: Any]]) {
                #expect(item["variant"] as? String == "full")
                let decoded = Data(base64Encoded: item["data"] as? String ?? "") ?? Data()
                #expect(!String(decoding: decoded, as: UTF8.self).contains("TOP-SECRET"))
            }
        }
    }

    @Test("latest image: placeholder and null metadata before the first frame, then the newest frame", arguments: TestEngines.all)
    func latest(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let (camera, _) = try await CapturePipelineTests.cameraWithTimelapse(client)

            let empty = try await Self.get(client, "/api/cameras/\(camera)/latest-image/thumbnail")
            #expect(empty.status == .ok)
            #expect(empty.headers[Self.variantHeader] == "placeholder")
            #expect(empty.headers[.cacheControl] == "no-cache")
            #expect(Self.bytes(empty) == PlaceholderImage.jpeg)
            let emptyMeta = try await Self.get(client, "/api/cameras/\(camera)/latest-image")
            #expect(emptyMeta.status == .ok)
            #expect(emptyMeta.data["image"] is NSNull)
            #expect(emptyMeta.data["camera_id"] as? Int == camera)

            let (_, older, _) = try await Self.capturedImage(client, events: events, camera: camera)
            let (_, newer, _) = try await Self.capturedImage(client, events: events, at: "2026-03-02T15:00:00Z", camera: camera)
            #expect(newer != older)
            let latest = try await Self.get(client, "/api/cameras/\(camera)/latest-image/thumbnail")
            #expect(latest.headers[Self.variantHeader] == "thumbnail")
            #expect(latest.headers[.cacheControl] == "public, max-age=300, s-maxage=300")
            #expect(latest.headers[.eTag]?.hasPrefix("\"image-\(newer)-") == true)
            let own = try await Self.get(client, "/api/images/\(newer)/thumbnail")
            #expect(Self.bytes(own) == Self.bytes(latest))
            let head = try await Self.get(client, "/api/cameras/\(camera)/latest-image/full", method: .head)
            #expect(head.headers[Self.variantHeader] == "full")
            #expect(head.body.readableBytes == 0)

            let meta = try await Self.get(client, "/api/cameras/\(camera)/latest-image")
            #expect(meta.data["image_id"] as? Int == newer)
            #expect((meta.data["urls"] as? [String: Any])?["thumbnail"] as? String == "/api/images/\(newer)/thumbnail?v=1")
            #expect((meta.data["latest_urls"] as? [String: Any])?["small"] as? String == "/api/cameras/\(camera)/latest-image/small?v=1")

            // Deleting the newest frame makes the previous one the latest.
            _ = try await client.execute(uri: "/api/images/\(newer)", method: .delete)
            let afterDelete = try await Self.get(client, "/api/cameras/\(camera)/latest-image/thumbnail")
            #expect(afterDelete.headers[.eTag]?.hasPrefix("\"image-\(older)-") == true)
            #expect(try await Self.get(client, "/api/images/\(newer)/thumbnail").status == .notFound)
        }
    }
}
