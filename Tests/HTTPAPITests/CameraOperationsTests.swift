import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore
@testable import CameraCapture

@Suite("Capture now, camera tests and MJPEG streams")
struct CameraOperationsTests {
    typealias Pipeline = CapturePipelineTests

    /// An endless MJPEG stream (`multipart/x-mixed-replace`) of `frames`, as cheap cameras serve it.
    static let mjpegServer = """
        import http.server, sys, time
        frames = [open(p, 'rb').read() for p in sys.argv[1:]]
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header('Content-Type', 'multipart/x-mixed-replace; boundary=frame')
                self.end_headers()
                i = 0
                try:
                    while True:
                        f = frames[i % len(frames)]; i += 1
                        self.wfile.write(b'--frame\\r\\nContent-Type: image/jpeg\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(f) + f + b'\\r\\n')
                        self.wfile.flush(); time.sleep(0.2)
                except Exception:
                    pass
            def log_message(self, *a): pass
        s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        print('Serving HTTP on 127.0.0.1 port %d' % s.server_address[1], flush=True)
        s.serve_forever()
        """

    static func startMJPEG(_ frames: [[UInt8]]) async throws -> (ListeningProcess, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjpeg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var paths: [String] = []
        for (i, frame) in frames.enumerated() {
            let path = "\(directory)/f\(i).jpg"
            try Data(frame).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let server = try await ListeningProcess.start(["/usr/bin/python3", "-u", "-c", mjpegServer] + paths) { line in
            line.split(separator: " ").drop { $0 != "port" }.dropFirst().first.flatMap { Int($0) }
        }
        return (server, directory)
    }

    @Test("an MJPEG stream gives its first whole frame; a test grabs without storing, with a preview; capture now ingests",
          arguments: TestEngines.all)
    func mjpegTestAndCaptureNow(engine: DatabaseEngine) async throws {
        let frames = [TestFrames.scene(width: 640, height: 360, seed: 3), TestFrames.scene(width: 640, height: 360, seed: 4)]
        let (server, directory) = try await Self.startMJPEG(frames)
        defer { server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        let url = "http://user:s3cret@127.0.0.1:\(server.port)/stream"
        try await withTestServer(engine) { client, _ in
            // An unsaved URL.
            let tested = try await client.execute(uri: "/api/cameras/test", method: .post, body: Pipeline.json(["url": url]))
            #expect(tested.status == .ok)
            #expect(tested.data["ok"] as? Bool == true, "\(tested.json)")
            #expect(tested.data["width"] as? Int == 640 && tested.data["height"] as? Int == 360)
            #expect(tested.data["bytes"] as? Int == frames[0].count)
            let previewURL = try #require(tested.data["preview_url"] as? String)
            let preview = try await client.execute(uri: previewURL, method: .get)
            #expect(preview.status == .ok && preview.headers[.contentType] == "image/jpeg")
            #expect(Array(preview.body.readableBytesView) == frames[0])
            #expect(try await client.execute(uri: "/api/cameras/previews/nope", method: .get).status == .notFound)

            // A saved camera with no running timelapse: a test works, capture now is a 409; nothing is stored.
            let created = try await client.execute(uri: "/api/cameras", method: .post,
                                                   body: Pipeline.json(["name": "mjpeg", "rtsp_url": url, "capture_interval_seconds": 86_400]))
            let camera = try #require(created.data["id"] as? Int)
            let savedTest = try await client.execute(uri: "/api/cameras/\(camera)/test", method: .post)
            #expect(savedTest.data["ok"] as? Bool == true)
            #expect(try await client.execute(uri: "/api/cameras/\(camera)/capture-now", method: .post).status == .conflict)

            // With a timelapse: the frame goes through the normal ingest (201, an image row, the thumbnail job).
            let timelapse = try await client.execute(uri: "/api/cameras/\(camera)/timelapses", method: .post, body: Pipeline.json([:]))
            let timelapseId = try #require(timelapse.data["id"] as? Int)
            let before = Date()
            let captured = try await client.execute(uri: "/api/cameras/\(camera)/capture-now", method: .post)
            #expect(captured.status == .created, "\(captured.json)")
            let imageId = try #require(captured.data["image_id"] as? Int)
            let image = try await client.execute(uri: "/api/images/\(imageId)", method: .get)
            #expect(image.data["timelapse_id"] as? Int == timelapseId)
            let capturedAt = try #require((image.data["captured_at"] as? String).flatMap(JSONDate.parse))
            #expect(abs(capturedAt.timeIntervalSince(before)) < 30)
            let full = try await client.execute(uri: "/api/images/\(imageId)/full", method: .get)
            #expect(frames.contains(Array(full.body.readableBytesView)))
        }
    }

    @Test("errors: no URL → 422, unknown camera → 404, an unreachable URL tests not ok with its password masked, a bad url → 422",
          arguments: TestEngines.all)
    func errors(engine: DatabaseEngine) async throws {
        try await withTestServer(engine) { client, _ in
            let created = try await client.execute(uri: "/api/cameras", method: .post, body: Pipeline.json(["name": "no url"]))
            let camera = try #require(created.data["id"] as? Int)
            let noURL = try await client.execute(uri: "/api/cameras/\(camera)/capture-now", method: .post)
            #expect(noURL.status == .unprocessableContent)
            #expect((noURL.json["details"] as? [String: Any])?["field"] as? String == "rtsp_url")
            #expect(try await client.execute(uri: "/api/cameras/\(camera)/test", method: .post).status == .unprocessableContent)
            #expect(try await client.execute(uri: "/api/cameras/999/capture-now", method: .post).status == .notFound)
            let port = TimelapserProcess.freePort()  // nothing listens there
            let refused = try await client.execute(uri: "/api/cameras/test", method: .post,
                                                   body: Pipeline.json(["url": "http://admin:hunter2@127.0.0.1:\(port)/snap.jpg"]))
            #expect(refused.status == .ok)
            #expect(refused.data["ok"] as? Bool == false)
            let error = try #require(refused.data["error"] as? String)
            #expect(!error.contains("hunter2"))
            #expect(refused.data["preview_url"] is NSNull)
            let bad = try await client.execute(uri: "/api/cameras/test", method: .post, body: Pipeline.json(["url": "ftp://x"]))
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test("the first JPEG of a stream is found by its structure, not by the first end marker (an EXIF thumbnail has one)")
    func mjpegParser() throws {
        let frame = TestFrames.scene(width: 160, height: 120, seed: 9)
        // A fake APP1 segment holding a complete little JPEG (its own FFD8 … FFD9), inserted after SOI.
        let thumbnail: [UInt8] = [0xFF, 0xD8, 0x01, 0x02, 0xFF, 0xD9]
        let app1: [UInt8] = [0xFF, 0xE1, 0x00, UInt8(2 + thumbnail.count)] + thumbnail
        let withThumbnail = Array(frame.prefix(2)) + app1 + Array(frame.dropFirst(2))
        let stream = Array("--frame\r\nContent-Type: image/jpeg\r\n\r\n".utf8) + withThumbnail + Array("\r\n--frame\r\n".utf8) + frame
        #expect(MJPEGStream.firstJPEG(in: stream) == withThumbnail)
        // Cut anywhere inside the frame: more bytes are needed.
        let headerLength = stream.count - withThumbnail.count - frame.count - 11
        for cut in stride(from: headerLength, to: headerLength + withThumbnail.count - 1, by: 97) {
            #expect(MJPEGStream.firstJPEG(in: Array(stream.prefix(cut))) == nil)
        }
    }
}
