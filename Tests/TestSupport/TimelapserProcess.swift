import Database
import DataDirectory
import Foundation
import TimelapserCore

/// The real `timelapser` binary run as a child process (built by `swift build --build-tests`).
public final class TimelapserProcess: Sendable {
    public let process: ChildProcess
    public let logPath: String

    /// `.build/debug/timelapser` of this checkout.
    public static var binary: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/timelapser").path
    }

    public init(_ arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        self.logPath = logPath
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw TestSetupError("cannot create \(logPath)") }
        process = try ChildProcess(executable: Self.binary, arguments: arguments,
                                   environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
                                   stdoutPath: logPath)
    }

    public var pid: Int32 { process.pid }

    /// Sends `signal` (SIGKILL for a crash, SIGTERM for a graceful stop).
    public func signal(_ signal: Int32) { process.signal(signal) }

    /// Waits for exit up to `timeout`; returns whether it exited.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(40)) async -> Bool {
        await process.waitForExit(timeout: timeout) != nil
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// A free TCP port on loopback.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// Seeds frames on disk and image rows directly (for tests that need many images fast).
public enum FrameSeeder {
    /// Creates a camera and running timelapse and `count` frames (copies of `jpeg`); returns the image ids.
    public static func seed(_ database: TimelapserDatabase, layout: DataLayout, count: Int, jpeg: [UInt8]) async throws -> [Int64] {
        let start = Date(timeIntervalSince1970: 1_772_352_000)  // a fixed day, so names are stable
        return try await database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "seeded", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: Date())
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "seeded", startedAt: start, at: Date())
            let folder = DataLayout.framesDirectory(cameraId: camera.id, timelapseId: timelapse.id)
            try FileManager.default.createDirectory(atPath: layout.root + "/" + folder, withIntermediateDirectories: true)
            var ids: [Int64] = []
            for i in 0..<count {
                let captured = start + TimeInterval(i * 60)
                let name = DataLayout.frameName(timelapseId: timelapse.id, dayNumber: 1 + i / 1440,
                                                clock: DataLayout.clock(captured, timeZone: .gmt))
                let relative = folder + "/" + name
                try Data(jpeg).write(to: URL(fileURLWithPath: layout.root + "/" + relative))
                let image = try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: relative,
                                                        capturedAt: captured, dayNumber: 1 + i / 1440, fileSize: Int64(jpeg.count),
                                                        width: 0, height: 0, at: Date())
                ids.append(image.id)
            }
            return ids
        }
    }
}
