import Database
import DataDirectory
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import TimelapserCore

/// Helpers of the coverage-gap suites (their own, so edits to other suites' helpers do not move them).
enum Coverage {
    static let variantHeader = HTTPField.Name("X-Image-Variant")!

    static func body(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    /// Creates a camera; returns its id.
    static func camera(_ client: some TestClientProtocol, _ fields: [String: Any] = ["name": "cam"]) async throws -> Int {
        let response = try await client.execute(uri: "/api/cameras", method: .post, body: body(fields))
        #expect(response.status == .created, "\(response.json)")
        return try #require(response.data["id"] as? Int)
    }

    /// Starts a timelapse on `camera`; returns its id.
    static func timelapse(_ client: some TestClientProtocol, camera: Int, started: String = "2026-03-01T08:00:00Z",
                          name: String? = nil) async throws -> Int {
        var fields: [String: Any] = ["started_at": started]
        if let name { fields["name"] = name }
        let response = try await client.execute(uri: "/api/cameras/\(camera)/timelapses", method: .post, body: body(fields))
        #expect(response.status == .created, "\(response.json)")
        return try #require(response.data["id"] as? Int)
    }

    /// Posts a JPEG capture taken at `at` (ISO 8601); expects 201 and returns the answer's `data`.
    static func capture(_ client: some TestClientProtocol, camera: Int, _ jpeg: [UInt8], at: String) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/cameras/\(camera)/captures?captured_at=\(at)", method: .post,
                                                headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: jpeg))
        #expect(response.status == .created, "\(response.json)")
        return response.data
    }

    /// The next `thumbnail_job_completed` event of `imageId` on `events`, decoded to the typed event.
    static func completion(_ events: EventStreamClient, image imageId: Int, timeout: Duration = .seconds(30)) async throws
        -> ThumbnailJobCompleted {
        let received = try #require(await events.next(timeout: timeout) {
            $0.type == ServerEvent.Kind.thumbnailJobCompleted.rawValue && $0.data["image_id"] as? Int == imageId
        }, "no thumbnail_job_completed for image \(imageId) within \(timeout)")
        guard case .thumbnailJobCompleted(let payload)? = received.event else {
            Issue.record("thumbnail_job_completed did not decode: \(received.raw)")
            throw TestSetupError("undecodable event")
        }
        return payload
    }

    static func image(_ client: some TestClientProtocol, _ id: Int) async throws -> [String: Any] {
        try await client.execute(uri: "/api/images/\(id)", method: .get).data
    }

    static func list(_ response: TestResponse) -> [[String: Any]] {
        response.json["data"] as? [[String: Any]] ?? []
    }

    static func patchSettings(_ client: some TestClientProtocol, _ fields: [String: Any]) async throws {
        let response = try await client.execute(uri: "/api/settings", method: .patch, body: body(fields))
        #expect(response.status == .ok, "\(response.json)")
    }

    /// Size in bytes of a file under the data directory (nil when absent).
    static func fileSize(_ root: String, _ relative: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: root + "/" + relative))?[.size] as? Int
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Regular files (not hidden) directly in a folder under the data directory.
    static func files(_ root: String, _ relativeFolder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + relativeFolder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// `captured_at` as unix seconds, the way the ETag spells it.
    static func unixSeconds(_ iso: String) throws -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(formatter.date(from: iso) ?? ISO8601DateFormatter().date(from: iso), "not ISO 8601: \(iso)")
        return Int64(date.timeIntervalSince1970)
    }
}

/// One finished run of the real `timelapser` binary, stdout and stderr apart.
struct CLIRun: Sendable {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    /// stdout as a JSON object (the `--json` output of a maintenance command).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:]
    }

    /// Runs `timelapser ARGUMENTS` as a child process and waits for it to exit, at most `timeout` (then it is killed
    /// and the test fails).
    /// `input`, when given, is the process's standard input (a file, so not a terminal).
    static func run(_ arguments: [String], input: String? = nil, timeout: Duration = .seconds(90)) async throws -> CLIRun {
        let folder = NSTemporaryDirectory() + "timelapser-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outPath = folder + "/stdout", errPath = folder + "/stderr"
        var inPath: String?
        if let input {
            // Standard input from a file: the binary sees a file, not a terminal.
            inPath = folder + "/stdin"
            try input.write(toFile: inPath!, atomically: true, encoding: .utf8)
        }
        let process = try ChildProcess(executable: TimelapserProcess.binary, arguments: arguments, stdinPath: inPath,
                                       stdoutPath: outPath, stderrPath: errPath)
        guard let status = await process.waitForExit(timeout: timeout) else {
            process.signal(SIGKILL)
            throw TestSetupError("`timelapser \(arguments.joined(separator: " "))` did not exit within \(timeout)")
        }
        return CLIRun(arguments: arguments, status: status,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

}
