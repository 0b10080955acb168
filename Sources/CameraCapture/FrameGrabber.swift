import AsyncHTTPClient
import Catalog
import Foundation
import TimelapserCore
import NIOCore
import Subprocess

/// Why a grab brought no frame. Descriptions never hold a camera's credentials.
public enum GrabFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The camera did not deliver within the hard timeout (ffmpeg was killed).
    case timedOut(seconds: Int)
    /// ffmpeg ended without a frame; `detail` is the tail of its stderr, credentials masked.
    case ffmpegFailed(status: String, detail: String)
    /// ffmpeg could not be started (not installed?).
    case ffmpegUnavailable(String)
    /// The snapshot URL answered something other than 200.
    case httpStatus(Int)
    /// The frame is larger than `max_upload_bytes`.
    case tooLarge(limit: Int)
    /// The camera answered, but with zero bytes.
    case empty
    /// The connection failed (refused, reset, TLS…); credentials masked.
    case unreachable(String)

    public var description: String {
        switch self {
        case .timedOut(let seconds): "no frame within \(seconds) s (grab killed)"
        case .ffmpegFailed(let status, let detail): detail.isEmpty ? "ffmpeg \(status)" : "ffmpeg \(status): \(detail)"
        case .ffmpegUnavailable(let message): "ffmpeg could not run: \(message)"
        case .httpStatus(let code): "snapshot answered HTTP \(code)"
        case .tooLarge(let limit): "frame larger than max_upload_bytes (\(limit))"
        case .empty: "the camera sent an empty frame"
        case .unreachable(let message): "camera unreachable: \(message)"
        }
    }
}

/// Grabs one JPEG from a camera URL: RTSP through an `ffmpeg` child (TCP transport, one frame, MJPEG on stdout,
/// killed at the timeout; the URL reaches it through a private file, never its command line), HTTP(S) snapshots through
/// AsyncHTTPClient, and MJPEG-over-HTTP streams (the first frame of the stream). All stop reading at the size limit.
public struct FrameGrabber: Sendable {
    let ffmpeg: Executable
    let http: HTTPClient
    /// How much of ffmpeg's stderr an error keeps (its last lines).
    static let stderrTailBytes = 600

    public init(ffmpeg: String = "ffmpeg", http: HTTPClient = .shared) {
        self.ffmpeg = ffmpeg.contains("/") ? .path(.init(ffmpeg)) : .name(ffmpeg)
        self.http = http
    }

    /// One frame from `url` (rtsp://, rtsps://, http://, https://), at most `limit` bytes, within `timeout`.
    public func grab(_ url: String, limit: Int, timeout: Duration) async throws -> [UInt8] {
        let bytes = try await Self.withTimeout(timeout) {
            let lower = url.lowercased()
            return lower.hasPrefix("http://") || lower.hasPrefix("https://")
                ? try await snapshot(url, limit: limit, timeout: timeout)
                : try await rtspFrame(url, limit: limit)
        }
        guard !bytes.isEmpty else { throw GrabFailure.empty }
        return bytes
    }

    /// Runs `body`, cancelling it at `timeout`; a cancelled ffmpeg child is killed by Subprocess's teardown, which
    /// is waited for at most a few seconds (`GrabDeadline`).
    static func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let seconds = Int(timeout.components.seconds.clamped(to: 1...))
        return try await GrabDeadline<T>(timeout: timeout, teardownGrace: .seconds(3),
                                         timedOutError: GrabFailure.timedOut(seconds: seconds)).run(body)
    }

    // MARK: RTSP

    /// Options of the camera input. A bounded probe: ffmpeg's default (5 s of analysis) made every grab seconds
    /// slow; the decoder still waits for the first decodable frame.
    static let inputOptions = [("rtsp_transport", "tcp"), ("analyzeduration", "1000000"), ("probesize", "100000")]

    /// ffmpeg's command line: the URL (and so its password) is in `input`'s file, never here.
    static func ffmpegArguments(_ input: FFmpegInputFile) -> [String] {
        ["-nostdin", "-hide_banner", "-loglevel", "error"] + input.arguments
            + ["-frames:v", "1", "-an", "-f", "image2pipe", "-vcodec", "mjpeg", "-q:v", "2", "pipe:1"]
    }

    func rtspFrame(_ url: String, limit: Int) async throws -> [UInt8] {
        let input = try FFmpegInputFile(url: url, options: Self.inputOptions)
        defer { input.remove() }
        let result: ExecutionResult<([UInt8], [UInt8]), SequenceOutput, SequenceOutput>
        do {
            result = try await run(ffmpeg, arguments: Arguments(Self.ffmpegArguments(input)), input: .none,
                                   output: .sequence, error: .sequence) { execution in
                // Both pipes are drained together, or a chatty stderr could stall the frame.
                async let frame = Self.collect(execution.standardOutput, limit: limit)
                async let stderr = Self.tail(execution.standardError, keeping: Self.stderrTailBytes)
                return try await (frame, stderr)
            }
        } catch let error as SubprocessError {
            throw GrabFailure.ffmpegUnavailable(CredentialMask.redact("\(error)", secretsOf: url))
        }
        let (frame, stderr) = result.closureResult
        guard result.terminationStatus.isSuccess, !frame.isEmpty else {
            let detail = Self.lastLines(String(decoding: stderr, as: UTF8.self))
            throw GrabFailure.ffmpegFailed(status: "\(result.terminationStatus)", detail: CredentialMask.redact(detail, secretsOf: url))
        }
        return frame
    }

    /// Reads the whole stream; throws (and so kills the child) past `limit` bytes.
    static func collect(_ stream: SubprocessOutputSequence, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in stream {
            guard bytes.count + buffer.count <= limit else { throw GrabFailure.tooLarge(limit: limit) }
            buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Reads the whole stream, keeping only its last `keeping` bytes.
    static func tail(_ stream: SubprocessOutputSequence, keeping: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in stream {
            buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
            if bytes.count > keeping * 2 { bytes.removeFirst(bytes.count - keeping) }
        }
        return Array(bytes.suffix(keeping))
    }

    /// The last few non-empty lines, joined: what ffmpeg says last is what went wrong.
    static func lastLines(_ text: String, count: Int = 3) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.suffix(count).joined(separator: " | ")
    }

    // MARK: HTTP snapshots

    func snapshot(_ url: String, limit: Int, timeout: Duration) async throws -> [UInt8] {
        let (plainURL, authorization) = Self.splitCredentials(url)
        var request = HTTPClientRequest(url: plainURL)
        request.headers.add(name: "Accept", value: "image/jpeg, multipart/x-mixed-replace;q=0.9, */*;q=0.5")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        do {
            let response = try await http.execute(request, timeout: TimeAmount(timeout))
            guard response.status == .ok else { throw GrabFailure.httpStatus(Int(response.status.code)) }
            if response.headers.first(name: "Content-Type")?.lowercased().hasPrefix("multipart/x-mixed-replace") == true {
                return try await Self.firstFrame(of: response.body, limit: limit)
            }
            let body = try await response.body.collect(upTo: limit)
            return Array(body.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw GrabFailure.tooLarge(limit: limit)
        } catch let failure as GrabFailure {
            throw failure
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw GrabFailure.unreachable(CredentialMask.redact("\(error)", secretsOf: url))
        }
    }

    /// The first frame of an endless MJPEG stream: reading stops there (the connection is dropped with the body).
    static func firstFrame(of body: HTTPClientResponse.Body, limit: Int) async throws -> [UInt8] {
        var received: [UInt8] = []
        for try await chunk in body {
            received.append(contentsOf: chunk.readableBytesView)
            if let frame = MJPEGStream.firstJPEG(in: received) { return frame }
            // A part's headers and boundary come on top of the frame itself.
            guard received.count <= limit + 4096 else { throw GrabFailure.tooLarge(limit: limit) }
        }
        throw GrabFailure.empty
    }

    /// The URL without its user info, and the Basic `Authorization` value the user info stood for.
    static func splitCredentials(_ url: String) -> (String, String?) {
        guard var components = URLComponents(string: url), let user = components.user else { return (url, nil) }
        let credentials = "\(user):\(components.password ?? "")"
        components.user = nil
        components.password = nil
        return (components.string ?? url, "Basic " + Data(credentials.utf8).base64EncodedString())
    }
}

extension Comparable {
    fileprivate func clamped(to range: PartialRangeFrom<Self>) -> Self { Swift.max(self, range.lowerBound) }
}
