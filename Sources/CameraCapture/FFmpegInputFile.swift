import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A camera URL handed to ffmpeg through a private file instead of its command line, which every local user can
/// read in `/proc/<pid>/cmdline`: an `ffconcat` script of one entry (the URL and its input options), mode 0600,
/// that ffmpeg's concat demuxer opens. Removed when the grab ends.
struct FFmpegInputFile: Sendable {
    let path: String

    /// Protocols the concat demuxer may open on the URL's behalf (ffmpeg refuses nested protocols otherwise).
    static let protocolWhitelist = "file,rtsp,rtsps,rtp,srtp,tcp,udp,tls"

    /// Writes the script for `url` with `options` (ffmpeg input options without their dash). Throws when the
    /// file cannot be made; nothing is left behind then.
    init(url: String, options: [(String, String)], directory: String = NSTemporaryDirectory()) throws {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
        template += Array("timelapser-grab-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw GrabFailure.ffmpegUnavailable("cannot create the ffmpeg input file: \(String(cString: strerror(errno)))") }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkstemp makes the file 0600 already; say so explicitly in case of an unusual umask.
        fchmod(fd, 0o600)
        var script = "ffconcat version 1.0\nfile \(Self.quoted(url))\n"
        for (key, value) in options { script += "option \(key) \(Self.quoted(value))\n" }
        let bytes = Array(script.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            unlink(path)
            throw GrabFailure.ffmpegUnavailable("cannot write the ffmpeg input file")
        }
    }

    /// The arguments that make ffmpeg read its input from this file.
    var arguments: [String] {
        ["-f", "concat", "-safe", "0", "-protocol_whitelist", Self.protocolWhitelist, "-i", path]
    }

    func remove() { unlink(path) }

    /// A single-quoted ffconcat token: a quote inside ends the quoting, is escaped, and quoting starts again.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
