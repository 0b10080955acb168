@testable import CameraCapture
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite("A camera's password never reaches a command line")
struct CredentialLeakTests {
    @Test("during an RTSP grab, ffmpeg's /proc/<pid>/cmdline holds no password; the 0600 input file goes with the grab",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")))
    func passwordNotInCommandLine() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let secret = "S3cr3t-pw"
        let url = "rtsp://viewer:\(secret)@127.0.0.1:\(listener.port)/stream"
        // A long grab timeout: on a loaded machine ffmpeg can take seconds to start, and the test cancels the grab itself.
        let grab = Task { try await FrameGrabber().grab(url, limit: 1 << 20, timeout: .seconds(120)) }
        var seen: [String] = []
        // Seen once in a full run: ffmpeg took over 20 s to appear while the suite's renders held both cores.
        try await waitUntil("an ffmpeg child grabbing from the camera", timeout: .seconds(90)) {
            seen = ChildProcesses.ffmpeg(port: listener.port).first.map(ChildProcesses.arguments) ?? []
            return !seen.isEmpty
        }
        #expect(!seen.joined(separator: " ").contains(secret), "\(seen)")
        #expect(!seen.contains { $0.hasPrefix("rtsp://") }, "the URL itself is on the command line: \(seen)")
        let inputIndex = try #require(seen.firstIndex(of: "-i"))
        let inputPath = seen[inputIndex + 1]
        let attributes = try FileManager.default.attributesOfItem(atPath: inputPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: inputPath, encoding: .utf8).contains(url))
        grab.cancel()
        let outcome = await grab.result
        #expect(throws: (any Error).self) { try outcome.get() }
        #expect(!FileManager.default.fileExists(atPath: inputPath), "the input file outlived the grab")
    }

    @Test("the input file quotes a URL whatever it holds")
    func quoting() throws {
        #expect(FFmpegInputFile.quoted("rtsp://u:p@h/s") == "'rtsp://u:p@h/s'")
        #expect(FFmpegInputFile.quoted("rtsp://u:it's@h/s") == #"'rtsp://u:it'\''s@h/s'"#)
        let file = try FFmpegInputFile(url: "rtsp://u:p@h/s", options: [("rtsp_transport", "tcp")])
        defer { file.remove() }
        let script = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(script == "ffconcat version 1.0\nfile 'rtsp://u:p@h/s'\noption rtsp_transport 'tcp'\n")
    }
}
