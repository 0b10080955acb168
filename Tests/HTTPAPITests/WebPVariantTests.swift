import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// `variant_formats: ["jpeg", "webp"]`: WebP companions written beside the JPEG variants, served to clients whose
/// `Accept` takes WebP (with `Vary: Accept` and their own ETag), counted in stats, checked by verify, linked back
/// by repair, and removed with their image, by delete-all and when WebP is turned off.
@Suite("WebP variants: content negotiation and maintenance")
struct WebPVariantTests {
    static let acceptWebP: HTTPFields = [.accept: "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"]

    static func isWebP(_ bytes: [UInt8]) -> Bool {
        bytes.count > 12 && Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[8..<12]) == Array("WEBP".utf8)
    }

    static func setFormats(_ client: some TestClientProtocol, _ formats: [String]) async throws -> TestResponse {
        try await client.execute(uri: "/api/settings", method: .patch, body: CapturePipelineTests.json(["variant_formats": formats]))
    }

    /// Captures a frame and waits for its variants: (image id, image JSON).
    static func capture(_ client: some TestClientProtocol, events: EventStreamClient, camera: Int, at: String) async throws -> (Int, [String: Any]) {
        let posted = try await CapturePipelineTests.post(client, camera: camera, TestFrames.scene(width: 1280, height: 960, seed: 3), at: at)
        let id = try #require(posted.data["image_id"] as? Int)
        let done = await events.next(timeout: .seconds(30)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id }
        try #require(done != nil)
        return (id, try await client.execute(uri: "/api/images/\(id)", method: .get).data)
    }

    @Test("served as WebP to a client that accepts it, JPEG to others; stats, verify, repair, delete",
          arguments: TestEngines.all)
    func negotiationAndMaintenance(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            for bad in [["webp"], ["jpeg", "gif"], ["jpeg", "jpeg"]] {
                #expect(try await Self.setFormats(client, bad).status == .unprocessableContent, "\(bad)")
            }
            #expect(try await Self.setFormats(client, ["jpeg", "webp"]).status == .ok)
            let (camera, _) = try await CapturePipelineTests.cameraWithTimelapse(client)
            let (id, image) = try await Self.capture(client, events: events, camera: camera, at: "2026-03-02T14:30:22Z")
            let thumbWebP = try #require(image["thumbnail_webp_size"] as? Int)
            let smallWebP = try #require(image["small_webp_size"] as? Int)
            let thumbPath = try #require(image["thumbnail_path"] as? String)
            let webpFile = fixture.layout.root + "/" + String(thumbPath.dropLast(4)) + ".webp"
            #expect(FileManager.default.fileExists(atPath: webpFile))

            // Negotiation: WebP to a browser, JPEG to a client that did not say WebP; both vary on Accept.
            let webp = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get, headers: Self.acceptWebP)
            #expect(webp.status == .ok && webp.headers[.contentType] == "image/webp")
            #expect(Self.isWebP(Array(webp.body.readableBytesView)) && webp.body.readableBytes == thumbWebP)
            #expect(webp.headers[HTTPField.Name("Vary")!] == "Accept")
            let webpTag = try #require(webp.headers[.eTag])
            #expect(webpTag.hasSuffix("-webp\""))
            for accept in [nil, "*/*", "image/*", "image/webp;q=0"] {
                let headers: HTTPFields = accept.map { [.accept: $0] } ?? [:]
                let jpeg = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get, headers: headers)
                #expect(jpeg.headers[.contentType] == "image/jpeg", "Accept \(accept ?? "none")")
                #expect(jpeg.headers[HTTPField.Name("Vary")!] == "Accept")
                #expect(jpeg.headers[.eTag] != webpTag)
            }
            let small = try await client.execute(uri: "/api/images/\(id)/small", method: .get, headers: Self.acceptWebP)
            #expect(small.headers[.contentType] == "image/webp" && small.body.readableBytes == smallWebP)
            var conditional = Self.acceptWebP
            conditional[.ifNoneMatch] = webpTag
            #expect(try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get, headers: conditional).status == .notModified)

            // A companion that is not the one the row recorded (another size: a later write that never committed) is
            // never served: the JPEG is.
            let original = try Data(contentsOf: URL(fileURLWithPath: webpFile))
            let smallWebPPath = fixture.layout.root + "/" + String(try #require(image["small_path"] as? String).dropLast(4)) + ".webp"
            try Data(contentsOf: URL(fileURLWithPath: smallWebPPath)).write(to: URL(fileURLWithPath: webpFile))
            let mismatched = try await client.execute(uri: "/api/images/\(id)/thumbnail?v=2", method: .get, headers: Self.acceptWebP)
            #expect(mismatched.headers[.contentType] == "image/jpeg")
            try original.write(to: URL(fileURLWithPath: webpFile))

            // Stats count them.
            let stats = try await client.execute(uri: "/api/thumbnails/stats", method: .get).data
            let usage = try #require(stats["total_disk_usage"] as? [String: Any])
            #expect(usage["webp_thumbnails"] as? Int == 1 && usage["webp_smalls"] as? Int == 1)
            #expect(usage["webp_bytes"] as? Int == thumbWebP + smallWebP)

            // Verify forgets a companion deleted by hand (the JPEG stays valid); the browser then gets the JPEG.
            try FileManager.default.removeItem(atPath: webpFile)
            let verified = try await client.execute(uri: "/api/thumbnails/verify", method: .post).data
            #expect(verified["invalid_webp_cleared"] as? Int == 1 && verified["valid_thumbnails"] as? Int == 1)
            let after = try await client.execute(uri: "/api/images/\(id)/thumbnail", method: .get, headers: Self.acceptWebP)
            #expect(after.headers[.contentType] == "image/jpeg")

            // Repair links a companion the row forgot back to its image.
            let regenerated = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
            #expect(regenerated.status == .accepted)
            _ = await events.next(timeout: .seconds(30)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id }
            #expect(FileManager.default.fileExists(atPath: webpFile))
            try await ImageServingTests.sql(fixture, "UPDATE images SET thumbnail_webp_size = NULL")
            let repaired = try await client.execute(uri: "/api/thumbnails/repair?force=true", method: .post).data
            #expect(repaired["files_matched"] as? Int == 1 && repaired["files_deleted"] as? Int == 0, "\(repaired)")
            let relinked = try await client.execute(uri: "/api/images/\(id)", method: .get).data
            #expect(relinked["thumbnail_webp_size"] as? Int == (try FileManager.default.attributesOfItem(atPath: webpFile)[.size] as? Int))

            // A stray companion of no image is an orphan that cleanup deletes; the image's own is kept.
            let stray = fixture.layout.root + "/" + thumbPath.replacingOccurrences(of: "_143022.jpg", with: "_150000.webp")
            try Data(try Data(contentsOf: URL(fileURLWithPath: webpFile))).write(to: URL(fileURLWithPath: stray))
            let cleaned = try await client.execute(uri: "/api/thumbnails/cleanup?dry_run=false&force=true", method: .delete).data
            #expect(cleaned["files_deleted"] as? Int == 1, "\(cleaned)")
            #expect(!FileManager.default.fileExists(atPath: stray) && FileManager.default.fileExists(atPath: webpFile))

            // WebP off: the next regeneration removes the companions and the row forgets them.
            let smallWebPFile = fixture.layout.root + "/" + String(try #require(image["small_path"] as? String).dropLast(4)) + ".webp"
            #expect(FileManager.default.fileExists(atPath: smallWebPFile))
            #expect(try await Self.setFormats(client, ["jpeg"]).status == .ok)
            _ = try await client.execute(uri: "/api/images/\(id)/thumbnails/regenerate", method: .post)
            _ = await events.next(timeout: .seconds(30)) { $0.type == "thumbnail_job_completed" && $0.data["image_id"] as? Int == id }
            #expect(!FileManager.default.fileExists(atPath: webpFile) && !FileManager.default.fileExists(atPath: smallWebPFile))
            let off = try await client.execute(uri: "/api/images/\(id)", method: .get).data
            #expect(off["thumbnail_webp_size"] is NSNull && off["small_webp_size"] is NSNull)
        }
    }

    @Test("deleting an image, then delete-all, remove the WebP companions with the JPEGs")
    func deletion() async throws {
        try await withTestServer(.sqlite) { client, fixture in
            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            #expect(try await Self.setFormats(client, ["jpeg", "webp"]).status == .ok)
            let (camera, _) = try await CapturePipelineTests.cameraWithTimelapse(client)
            func companions(_ image: [String: Any]) throws -> [String] {
                try [image["thumbnail_path"], image["small_path"]].map { try #require($0 as? String) }
                    .map { fixture.layout.root + "/" + String($0.dropLast(4)) + ".webp" }
            }
            let (first, firstImage) = try await Self.capture(client, events: events, camera: camera, at: "2026-03-02T09:00:00Z")
            let firstFiles = try companions(firstImage)
            #expect(firstFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) })
            #expect(try await client.execute(uri: "/api/images/\(first)", method: .delete).status == .ok)
            #expect(firstFiles.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "deleting the image removes its companions")

            let (_, image) = try await Self.capture(client, events: events, camera: camera, at: "2026-03-02T10:00:00Z")
            let files = try companions(image)
            #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0) })
            let deleted = try await client.execute(uri: "/api/thumbnails/delete-all?confirm=true", method: .delete)
            #expect(deleted.status == .ok)
            #expect(files.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        }
    }
}
