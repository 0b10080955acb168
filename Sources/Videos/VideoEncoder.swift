import Foundation
import Subprocess
import SystemPackage

/// ffmpeg as the encoder of raw frames: `yuv420p` frames on its stdin, an MP4 with the index at the front
/// (`+faststart`, so browsers play while downloading) at `output`. It runs at a lower CPU priority (`nice`), so a
/// render never takes the cores from thumbnail work; cancelling the task kills it at once.
struct VideoEncoder {
    var width: Int
    var height: Int
    var fps: Double
    var codec: VideoCodec
    var quality: Int
    var preset: String
    /// `-vf` value (overlay captions), read relative to `workingDirectory`.
    var filter: String?
    var workingDirectory: String
    var output: String

    var arguments: [String] {
        var args = ["-n", "10", "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y",
                    "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "\(width)x\(height)", "-framerate", Self.rate(fps), "-i", "pipe:0"]
        if let filter { args += ["-vf", filter] }
        args += ["-c:v", codec.encoder]
        switch codec {
        case .h264: args += ["-preset", preset, "-crf", String(quality)]
        case .hevc: args += ["-preset", preset, "-crf", String(quality), "-tag:v", "hvc1", "-x265-params", "log-level=error"]
        case .av1: args += ["-preset", preset, "-crf", String(quality)]
        }
        args += ["-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", output]
        return args
    }

    static func rate(_ fps: Double) -> String {
        fps == fps.rounded() ? String(Int(fps)) : String(format: "%.4f", fps)
    }

    /// Runs ffmpeg, handing it each frame `frames` writes; returns when ffmpeg has written the file. `encoded` hears
    /// how many frames the encoder has finished (ffmpeg's `-progress` report, about twice a second): encoders with
    /// a deep look-ahead hold many frames, so frames written is not progress. Throws
    /// ``RenderError/encoderFailed(_:)`` with the tail of ffmpeg's stderr when it fails.
    func encode(encoded: @escaping @Sendable (Int) async -> Void,
                _ frames: @Sendable (StandardInputWriter) async throws -> Void) async throws {
        Self.ignoreBrokenPipes
        let result: ExecutionResult<String, SequenceOutput, SequenceOutput>
        do {
            result = try await run(
                .name("nice"), arguments: Arguments(arguments), workingDirectory: FilePath(workingDirectory),
                input: .inputWriter, output: .sequence, error: .sequence
            ) { execution in
                async let stderr = Self.tail(execution.standardError)
                async let progress: Void = Self.readProgress(execution.standardOutput, encoded)
                do {
                    try await frames(execution.standardInputWriter)
                    try await execution.standardInputWriter.finish()
                } catch let error as SubprocessError {
                    // ffmpeg closed its input because it failed: its stderr says why.
                    let said = (try? await stderr) ?? ""
                    try? await progress
                    throw RenderError.encoderFailed(said.isEmpty ? "ffmpeg stopped reading frames (\(error))" : said)
                }
                try await progress
                return try await stderr
            }
        } catch let error as SubprocessError {
            throw RenderError.encoderFailed("ffmpeg could not be started (\(error))")
        }
        guard result.terminationStatus.isSuccess else {
            let said = result.closureResult
            throw RenderError.encoderFailed(said.isEmpty ? "ffmpeg ended with \(result.terminationStatus)" : said)
        }
    }

    /// A write to the pipe of an ffmpeg that has exited must be an error, not a signal that ends the server.
    static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Reads `-progress` blocks (`key=value` lines) and reports each `frame=` count.
    static func readProgress(_ stream: SubprocessOutputSequence, _ encoded: @Sendable (Int) async -> Void) async throws {
        var pending: [UInt8] = []
        for try await buffer in stream {
            buffer.withUnsafeBytes { pending.append(contentsOf: $0) }
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if line.hasPrefix("frame="), let count = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) {
                    await encoded(count)
                }
            }
        }
    }

    /// The last few lines ffmpeg wrote to stderr.
    static func tail(_ stream: SubprocessOutputSequence) async throws -> String {
        var bytes: [UInt8] = []
        for try await buffer in stream {
            buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
            if bytes.count > 16_384 { bytes.removeFirst(bytes.count - 8192) }
        }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.suffix(3).joined(separator: " | ")
    }
}
