import Foundation

#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import TimelapserCore
import DataDirectory
import TestSupport
@testable import CameraCapture
import Database
@testable import Catalog
import Synchronization
import Testing

/// Camera grabbing against real cameras on loopback: GStreamer's RTSP server (python3-gi) and a python HTTP
/// snapshot server, through the real application.
@Suite("Camera capture from RTSP and HTTP cameras")
struct CameraCaptureTests {
    static let interval = 2.0

    @Test("cameras are grabbed on schedule; a down camera fails alone and recovers; flat frames are counted, not stored",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason), arguments: TestEngines.all)
    func scheduleFailureRecovery(engine: DatabaseEngine) async throws {
        let tools = try CaptureTools.require()
        let rtsp = try await RTSPTestServer.start(python: tools.python)
        defer { rtsp.stop() }
        let snapshots = try await SnapshotTestServer.start(
            python: tools.python, files: ["scene.jpg": TestFrames.scene(width: 640, height: 480), "flat.jpg": TestFrames.flat()])
        defer { snapshots.stop() }

        try await withTestServer(engine) { client, fixture in
            let created = Date()
            let stream = try await Self.cameraWithTimelapse(client, name: "gate", url: "rtsp://viewer:s3cret@127.0.0.1:\(rtsp.port)/stream")
            let snapshotCreated = Date()
            let snapshot = try await Self.cameraWithTimelapse(client, name: "yard", url: "http://cam:pa55word@127.0.0.1:\(snapshots.port)/scene.jpg")
            let blank = try await Self.cameraWithTimelapse(client, name: "blank", url: "http://127.0.0.1:\(snapshots.port)/flat.jpg")

            // Frames arrive on schedule, with thumbnails.
            try await waitUntil("both cameras have 3 frames with thumbnails", timeout: .seconds(90)) {
                let streamThumbnails = try await Self.timelapse(client, stream.timelapse)["thumbnail_count"] as? Int ?? 0
                let snapshotThumbnails = try await Self.timelapse(client, snapshot.timelapse)["thumbnail_count"] as? Int ?? 0
                return streamThumbnails >= 3 && snapshotThumbnails >= 3
            }
            // The schedule is checked against slots, not gaps (a loaded machine wakes late, by any amount): see
            // `expectOnTheGrid`. The first frame comes at once: long before the loose bound below, which only catches
            // a scheduler that waits for a later slot (no timing is asserted closely on a shared machine).
            let times = try await Self.capturedAt(client, snapshot.timelapse)
            #expect(times[0].timeIntervalSince(created) < Self.interval + 60, "first frame at once (+ poll and grab)")
            Self.expectOnTheGrid(times, loopStartsAfter: snapshotCreated, "snapshot camera")
            let streamTimes = try await Self.capturedAt(client, stream.timelapse)
            #expect(streamTimes[0].timeIntervalSince(created) < Self.interval + 60)
            Self.expectOnTheGrid(streamTimes, loopStartsAfter: created, "RTSP camera")
            let streamCamera = try await Self.camera(client, stream.camera)
            #expect(streamCamera["consecutive_failures"] as? Int == 0)
            #expect(streamCamera["last_success_at"] is String)
            #expect(streamCamera["rtsp_url"] as? String == "rtsp://viewer:***@127.0.0.1:\(rtsp.port)/stream")

            // A flat grey frame is refused by corruption detection and counted, never stored.
            try await waitUntil("the blank camera's frames are rejected") {
                try await Self.camera(client, blank.camera)["frames_rejected"] as? Int ?? 0 >= 2
            }
            let blankCamera = try await Self.camera(client, blank.camera)
            #expect((blankCamera["last_error"] as? String)?.contains("flat_colour") == true)
            #expect(blankCamera["consecutive_failures"] as? Int ?? 0 >= 2)
            #expect(try await Self.timelapse(client, blank.timelapse)["image_count"] as? Int == 0)
            #expect(CapturePipelineTests.framesOnDisk(fixture, camera: blank.camera, timelapse: blank.timelapse).isEmpty)

            // The RTSP camera goes down: it reports failures, without its password; the other camera keeps going.
            rtsp.stop()
            let snapshotFramesAtStop = try await Self.timelapse(client, snapshot.timelapse)["image_count"] as? Int ?? 0
            try await waitUntil("the RTSP camera reports failures") {
                try await Self.camera(client, stream.camera)["consecutive_failures"] as? Int ?? 0 >= 2
            }
            let down = try await Self.camera(client, stream.camera)
            let lastError = try #require(down["last_error"] as? String)
            #expect(!lastError.contains("s3cret"), "\(lastError)")
            try await waitUntil("the snapshot camera keeps capturing") {
                try await Self.timelapse(client, snapshot.timelapse)["image_count"] as? Int ?? 0 >= snapshotFramesAtStop + 2
            }
            #expect(try await Self.camera(client, snapshot.camera)["consecutive_failures"] as? Int == 0)

            // Back up on the same address: the camera recovers.
            let streamFramesWhileDown = try await Self.timelapse(client, stream.timelapse)["image_count"] as? Int ?? 0
            let restarted = try await RTSPTestServer.start(python: tools.python, port: rtsp.port)
            defer { restarted.stop() }
            try await waitUntil("the RTSP camera recovers") {
                let failures = try await Self.camera(client, stream.camera)["consecutive_failures"] as? Int
                let frames = try await Self.timelapse(client, stream.timelapse)["image_count"] as? Int ?? 0
                return failures == 0 && frames > streamFramesWhileDown
            }
            #expect(try await Self.camera(client, stream.camera)["last_error"] is NSNull)

            // Neither the outage nor the retries with backoff moved a camera off its grid or captured a slot twice:
            // a camera loop keeps its start while its URL, interval and timelapse stay the same.
            Self.expectOnTheGrid(try await Self.capturedAt(client, stream.timelapse), loopStartsAfter: created, "RTSP camera, after recovery")
            Self.expectOnTheGrid(try await Self.capturedAt(client, snapshot.timelapse), loopStartsAfter: snapshotCreated,
                                 "snapshot camera, at the end")
        }
    }

    @Test("a camera that never answers: the grab is killed at its timeout, credentials stay hidden",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason))
    func grabTimeout() async throws {
        _ = try CaptureTools.require()
        let silent = try SilentListener()
        defer { silent.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: GrabFailure.self) {
            _ = try await FrameGrabber().grab("rtsp://viewer:s3cret@127.0.0.1:\(silent.port)/stream", limit: 1 << 20, timeout: .seconds(1))
        }
        // The property is "killed, not left hanging"; the bound leaves room for a full suite holding both cores (a
        // 1 s grab was seen to take 30 s to start and be reaped there).
        #expect(clock.now - start < .seconds(120), "killed, not left hanging")
        #expect(error == .timedOut(seconds: 1))
        #expect(ChildProcesses.ffmpeg(port: silent.port).isEmpty, "the ffmpeg child was killed")
    }

    @Test("grabs stop at the size limit; HTTP errors and a refused RTSP connection are reported, masked",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason))
    func grabFailures() async throws {
        let tools = try CaptureTools.require()
        let scene = TestFrames.scene(width: 320, height: 240)
        let snapshots = try await SnapshotTestServer.start(python: tools.python, files: ["scene.jpg": scene])
        defer { snapshots.stop() }
        let rtsp = try await RTSPTestServer.start(python: tools.python)
        defer { rtsp.stop() }
        let grabber = FrameGrabber()
        let base = "http://cam:pa55word@127.0.0.1:\(snapshots.port)"

        #expect(try await grabber.grab(base + "/scene.jpg", limit: 1 << 20, timeout: .seconds(5)) == scene)
        await #expect(throws: GrabFailure.tooLarge(limit: 100)) {
            try await grabber.grab(base + "/scene.jpg", limit: 100, timeout: .seconds(5))
        }
        await #expect(throws: GrabFailure.httpStatus(404)) {
            try await grabber.grab(base + "/missing.jpg", limit: 1 << 20, timeout: .seconds(5))
        }
        let rtspURL = "rtsp://viewer:s3cret@127.0.0.1:\(rtsp.port)/stream"
        let frame = try await grabber.grab(rtspURL, limit: 1 << 20, timeout: .seconds(10))
        #expect(frame.starts(with: [0xFF, 0xD8]))
        await #expect(throws: GrabFailure.tooLarge(limit: 1000)) {
            try await grabber.grab(rtspURL, limit: 1000, timeout: .seconds(10))
        }
        #expect(ChildProcesses.ffmpeg(port: rtsp.port).isEmpty, "the child writing too much was killed")
        rtsp.stop()
        let refused = await #expect(throws: GrabFailure.self) {
            try await grabber.grab(rtspURL, limit: 1 << 20, timeout: .seconds(10))
        }
        let message = refused.map { "\($0)" } ?? ""
        #expect(message.contains("Connection refused") && message.contains("viewer:***@") && !message.contains("s3cret"), "\(message)")
    }

    @Test("graceful shutdown kills a running grab and returns promptly",
          .enabled(if: CaptureTools.runnable, CaptureTools.skipReason), arguments: TestEngines.all)
    func shutdownKillsGrab(engine: DatabaseEngine) async throws {
        _ = try CaptureTools.require()
        let silent = try SilentListener()
        defer { silent.close() }
        let clock = ContinuousClock()
        let stopping = Mutex(clock.now)
        try await withTestServer(engine) { client, _ in
            _ = try await Self.cameraWithTimelapse(client, name: "mute", url: "rtsp://127.0.0.1:\(silent.port)/stream")
            try await waitUntil("an ffmpeg grab is running") { !ChildProcesses.ffmpeg(port: silent.port).isEmpty }
            stopping.withLock { $0 = clock.now }
        }
        // The property is that shutdown kills the grab (no ffmpeg child outlives the server, below); the bound only
        // catches a shutdown that waits without end (a loaded machine took 38 s for the whole server's graceful stop).
        #expect(clock.now - stopping.withLock { $0 } < .seconds(120), "shutdown does not wait for the grab without end")
        #expect(ChildProcesses.ffmpeg(port: silent.port).isEmpty)
    }

    @Test("credentials are hidden from errors that quote the URL in any form")
    func redaction() {
        let url = "rtsp://viewer:s3cr%40t@cam.local:554/live"
        let text = "[tcp] 'rtsp://viewer:s3cr%40t@cam.local:554/live' failed; user viewer password s3cr@t rtsp://viewer:s3cr%40t@cam.local:554/live"
        let redacted = CredentialMask.redact(text, secretsOf: url)
        #expect(!redacted.contains("s3cr"), "\(redacted)")
        #expect(FrameGrabber.splitCredentials("http://cam:pa55@host:8080/snap.jpg?x=1").0 == "http://host:8080/snap.jpg?x=1")
        #expect(FrameGrabber.splitCredentials("http://cam:pa55@host/snap.jpg").1 == "Basic " + Data("cam:pa55".utf8).base64EncodedString())
        #expect(CameraCaptureLoop.backoff(afterFailures: 1) == .seconds(1))
        #expect(CameraCaptureLoop.backoff(afterFailures: 3) == .seconds(4))
        #expect(CameraCaptureLoop.backoff(afterFailures: 40) == .seconds(30))
    }

    // MARK: helpers

    static func cameraWithTimelapse(_ client: some TestClientProtocol, name: String, url: String) async throws -> (camera: Int, timelapse: Int) {
        let body: [String: Any] = ["name": name, "rtsp_url": url, "capture_interval_seconds": Int(interval)]
        let camera = try await client.execute(uri: "/api/cameras", method: .post, body: CapturePipelineTests.json(body))
        let cameraId = try #require(camera.data["id"] as? Int, "\(camera.json)")
        let timelapse = try await client.execute(uri: "/api/cameras/\(cameraId)/timelapses", method: .post, body: CapturePipelineTests.json([:]))
        return (cameraId, try #require(timelapse.data["id"] as? Int))
    }

    static func camera(_ client: some TestClientProtocol, _ id: Int) async throws -> [String: Any] {
        try await client.execute(uri: "/api/cameras/\(id)", method: .get).data
    }

    static func timelapse(_ client: some TestClientProtocol, _ id: Int) async throws -> [String: Any] {
        try await client.execute(uri: "/api/timelapses/\(id)", method: .get).data
    }

    /// `captured_at` of the timelapse's frames, oldest first.
    static func capturedAt(_ client: some TestClientProtocol, _ timelapse: Int) async throws -> [Date] {
        let page = try await client.execute(uri: "/api/timelapses/\(timelapse)/images?limit=500", method: .get)
        let images = try #require(page.json["data"] as? [[String: Any]])
        let frames = images.compactMap { image -> (id: Int, at: Date)? in
            guard let id = image["id"] as? Int, let text = image["captured_at"] as? String,
                  let at = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            else { return nil }
            return (id, at)
        }
        #expect(frames.count == images.count, "every frame has an id and a captured_at: \(images)")
        // One loop per camera grabs and stores one frame at a time: the frames were stored in the order they were taken.
        let byTime = frames.sorted { $0.at < $1.at }
        #expect(byTime.map(\.id) == byTime.map(\.id).sorted(), "frames stored in the order of their captured_at")
        return byTime.map(\.at)
    }

    /// What `CameraCaptureLoop` promises of one camera's stored frames, however late a loaded machine wakes it.
    ///
    /// The loop starts at some instant S after the camera (with its timelapse) is created and attempts at
    /// S + k·interval; `captured_at` is read after the wake-up, so never before its slot. A slow or late attempt does
    /// not catch up: the next attempt waits for the first slot after it ended, and a failed one retries within the slot
    /// at most (backoff capped at the next slot). So every stored frame lies in its own slot
    /// [S + k·interval, S + (k+1)·interval) of one grid, the slots strictly increasing, and frame k is never ahead of
    /// S + k·interval, however late the wake-ups were. Nothing here compares gaps between frames: a late slot followed by
    /// an on-time one may come much closer than the interval, and that is on the grid. (Lateness has no upper bound on a
    /// loaded machine, so a drift of a few milliseconds per frame cannot be told from lateness by any timing check; how
    /// soon the first frame comes and how fast frames accumulate are checked by the test itself.)
    static func expectOnTheGrid(_ times: [Date], loopStartsAfter created: Date, _ camera: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let shown = times.map { String(format: "%.3f", $0.timeIntervalSince(created)) }.joined(separator: ", ")
        #expect(!times.isEmpty, "\(camera): no frames", sourceLocation: sourceLocation)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "\(camera): captured_at strictly increasing: \(shown)",
                sourceLocation: sourceLocation)
        for (k, t) in times.enumerated() {
            // S ≥ created and frame k sits in slot k or later: no slack needed, lateness only adds to the left side.
            #expect(t.timeIntervalSince(created) >= interval * Double(k),
                    "\(camera): frame \(k) ahead of start + \(k)·\(interval) s (seconds after creation: \(shown))", sourceLocation: sourceLocation)
        }
        #expect(captureGrid(times, interval: interval, notBefore: created) != nil,
                "\(camera): no grid start + k·\(interval) s from after the camera's creation has each frame in its own slot (seconds after creation: \(shown))",
                sourceLocation: sourceLocation)
    }

    /// The grid that explains `times` (oldest first): the latest loop start S, in whole milliseconds (the precision of
    /// `captured_at` in the API), from `earliest` to the first frame, for which every frame falls in its own slot
    /// [S + k·interval, S + (k+1)·interval), the slots strictly increasing and the first frame in slot 0; nil when none.
    static func captureGrid(_ times: [Date], interval: Double, notBefore earliest: Date) -> (start: Date, slots: [Int])? {
        guard !times.isEmpty else { return nil }
        let milliseconds = times.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        let step = Int64((interval * 1000).rounded())
        let lowest = max(Int64((earliest.timeIntervalSince1970 * 1000).rounded(.down)), milliseconds[0] - step + 1)
        guard lowest <= milliseconds[0] else { return nil }
        for start in stride(from: milliseconds[0], through: lowest, by: -1) {
            // Oldest first and start ≤ the first frame: the division is a floor.
            let slots = milliseconds.map { Int(($0 - start) / step) }
            if zip(slots, slots.dropFirst()).allSatisfy({ $0 < $1 }) {
                return (Date(timeIntervalSince1970: Double(start) / 1000), slots)
            }
        }
        return nil
    }

}

/// ffmpeg and a python3 that can load GStreamer's RTSP server.
enum CaptureTools {
    struct Found { let python: String }

    static let found: Found? = {
        guard run("ffmpeg", ["-hide_banner", "-version"]) else { return nil }
        let probe = "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
        // Debian's python3-gi belongs to the system interpreter, which a version manager may shadow on PATH.
        return ["/usr/bin/python3", "python3"].first { run($0, ["-c", probe]) }.map(Found.init)
    }()

    /// `make test` installs the tools and sets TIMELAPSER_REQUIRE_POSTGRES: then a missing tool fails the test.
    static var runnable: Bool { found != nil || ProcessInfo.processInfo.environment["TIMELAPSER_REQUIRE_POSTGRES"] != nil }
    static let skipReason: Comment = "ffmpeg or GStreamer's RTSP server for python3 is missing (scripts/install-deps.sh test installs them)"

    static func require() throws -> Found {
        try #require(found, "ffmpeg, python3-gi and gir1.2-gst-rtsp-server-1.0 are required (scripts/install-deps.sh test)")
    }

    /// Whether `program arguments` exits 0 within 30 s (coreutils' `timeout` kills a probe that hangs).
    static func run(_ program: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["timeout", "--signal=KILL", "30", program] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.launchSerialized()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

/// A child process that prints a line once it listens; killed by `stop()`.
final class ListeningProcess: @unchecked Sendable {
    let process: Process
    let port: Int

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts `arguments` and waits for a stdout line from which `port` extracts the listening port. A child that
    /// prints no line within `timeout` is killed (which ends the read) and the start fails instead of hanging.
    static func start(_ arguments: [String], timeout: Duration = .seconds(30),
                      port: @escaping @Sendable (String) -> Int?) async throws -> ListeningProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.launchSerialized()
        let handle = output.fileHandleForReading
        let pid = process.processIdentifier
        let outcome = StartOutcome()
        let watchdog = Task.detached {
            try? await Task.sleep(for: timeout)
            if outcome.decide(.timedOut) { kill(pid, SIGKILL) }
        }
        defer { watchdog.cancel() }
        // A blocking read on its own thread: the cooperative pool is not for waiting on pipes.
        let line: String? = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return continuation.resume(returning: nil) }
                    buffer.append(chunk)
                    if let text = String(data: buffer, encoding: .utf8), let end = text.firstIndex(of: "\n") {
                        // A line that comes as the watchdog fires counts as none: the child is being killed.
                        return continuation.resume(returning: outcome.decide(.answered) ? String(text[..<end]) : nil)
                    }
                }
            }
        }
        guard let line, let bound = port(line) else {
            process.terminate()
            let timedOut = outcome.decided == .timedOut
            throw ListenFailure(command: arguments.joined(separator: " "), output: timedOut ? "no line within \(timeout)" : line ?? "")
        }
        return ListeningProcess(process: process, port: bound)
    }

    /// Whether the child answered or the watchdog fired first: whichever decides first wins.
    final class StartOutcome: Sendable {
        enum Decision { case answered, timedOut }
        private let state = Mutex<Decision?>(nil)

        var decided: Decision? { state.withLock { $0 } }

        /// Records `decision` unless one was made already; returns whether it was recorded.
        func decide(_ decision: Decision) -> Bool {
            state.withLock { current in
                guard current == nil else { return false }
                current = decision
                return true
            }
        }
    }

    /// Kills the child; it is reaped on a thread of its own: `waitUntilExit` blocks until Foundation hears of the
    /// exit, and a test's cooperative thread must never wait on that (with few cores the whole pool can end up
    /// waiting, and the suite hangs).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let process = self.process
        Thread.detachNewThread { process.waitUntilExit() }
    }

    struct ListenFailure: Error { let command: String; let output: String }
}

/// `Tests/Fixtures/rtsp_server.py`: GStreamer's RTSP server at rtsp://127.0.0.1:PORT/stream.
enum RTSPTestServer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rtsp_server.py").path

    /// Starts the server; on a given port it retries while the old listener's port is still being released, until
    /// `timeout` has passed (each start is bounded by what is left of it).
    static func start(python: String, port: Int = 0, timeout: Duration = .seconds(30)) async throws -> ListeningProcess {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                return try await ListeningProcess.start([python, script, String(port)], timeout: deadline - ContinuousClock.now) { line in
                    line.hasPrefix("listening ") ? Int(line.dropFirst("listening ".count)) : nil
                }
            } catch where port != 0 && ContinuousClock.now + .seconds(1) < deadline {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}

/// Python's `http.server` serving `files` from a fresh directory, as a camera's snapshot URL would.
final class SnapshotTestServer: Sendable {
    let server: ListeningProcess
    let directory: String
    var port: Int { server.port }

    private init(server: ListeningProcess, directory: String) {
        self.server = server
        self.directory = directory
    }

    static func start(python: String, files: [String: [UInt8]]) async throws -> SnapshotTestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshots-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name)) }
        let server = try await ListeningProcess.start([python, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, "0"]) { line in
            // "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
            line.split(separator: " ").drop { $0 != "port" }.dropFirst().first.flatMap { Int($0) }
        }
        return SnapshotTestServer(server: server, directory: directory)
    }

    func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A TCP port on loopback that accepts connections (the kernel's backlog) and never answers: a hung camera.
final class SilentListener: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}

/// Children of this test process, from /proc.
enum ChildProcesses {
    /// Live ffmpeg children grabbing from a loopback port (tests run in parallel: the port tells whose).
    ///
    /// The camera URL is on ffmpeg's command line, or in the input file the command line names (`-i <file>`) when
    /// the grabber hands the URL over in a private file. The grabber removes that file once its child has exited, so
    /// a child still alive after its input file is gone outlived its grab: it counts for every port.
    static func ffmpeg(port: Int) -> [Int32] {
        let address = "127.0.0.1:\(port)/"
        return named("ffmpeg").filter { pid in
            let arguments = Self.arguments(of: pid)
            if arguments.contains(where: { $0.contains(address) }) { return true }
            guard let flag = arguments.firstIndex(of: "-i"), flag + 1 < arguments.count, arguments[flag + 1].hasPrefix("/") else {
                return false
            }
            if let script = try? String(contentsOfFile: arguments[flag + 1], encoding: .utf8) { return script.contains(address) }
            return isAlive(pid)  // read again: a child that exited just before its file was removed is not a leak
        }
    }

    /// A process's command line, one argument per element.
    static func arguments(of pid: Int32) -> [String] {
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    static func named(_ name: String) -> [Int32] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let (command, state, parent) = status(pid) else { return false }
            // A zombie ("Z") is already dead.
            return command == name && state != "Z" && parent == me
        }
    }

    static func isAlive(_ pid: Int32) -> Bool {
        guard let (_, state, _) = status(pid) else { return false }
        return state != "Z"
    }

    /// (command, state, parent) from /proc/<pid>/stat.
    static func status(_ pid: Int32) -> (Substring, Substring, Int32?)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return nil }
        return (stat[stat.index(after: open)..<close], fields[0], Int32(fields[1]))
    }
}
