import Foundation
import TimelapserCore

/// The folder tree and file names under the data directory:
/// `cameras/camera-{c}/timelapse-{t}/{frames,thumbnails,smalls,videos}/timelapse-{t}[_thumb|_small]_day{NNN}_{HHMMSS}.jpg`.
///
/// Paths stored in the database are relative to the data directory; ``absolutePath(_:)`` is the one way back
/// to the disk and refuses anything that could leave the data directory.
public struct DataLayout: Sendable {
    /// Absolute, standardised data directory.
    public let root: String

    public init(root: String) {
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        self.root = (absolute as NSString).standardizingPath
    }

    public static func cameraDirectory(cameraId: Int64) -> String { "cameras/camera-\(cameraId)" }

    public static func timelapseDirectory(cameraId: Int64, timelapseId: Int64) -> String {
        "\(cameraDirectory(cameraId: cameraId))/timelapse-\(timelapseId)"
    }

    public static func framesDirectory(cameraId: Int64, timelapseId: Int64) -> String {
        "\(timelapseDirectory(cameraId: cameraId, timelapseId: timelapseId))/frames"
    }

    /// `…/timelapse-{t}/videos`: rendered videos and their posters, written only by the Videos module.
    public static func videosDirectory(cameraId: Int64, timelapseId: Int64) -> String {
        "\(timelapseDirectory(cameraId: cameraId, timelapseId: timelapseId))/videos"
    }

    /// `videos/{name}_v{NN}.mp4`: a render's file, the version counting up per name.
    public static func videoPath(cameraId: Int64, timelapseId: Int64, name: String, version: Int) -> String {
        "\(videosDirectory(cameraId: cameraId, timelapseId: timelapseId))/\(name)_v\(String(format: "%02d", version)).mp4"
    }

    /// The poster JPEG beside a video file (`{name}_v{NN}.jpg`).
    public static func posterPath(forVideoPath videoPath: String) -> String {
        (videoPath.hasSuffix(".mp4") ? String(videoPath.dropLast(4)) : videoPath) + ".jpg"
    }

    /// Where renders write before their file is complete (`tmp/renders`, on the data volume so the final rename is
    /// atomic): a render that is cancelled, fails or dies never leaves a partial file in `videos/`.
    public var renderScratchDirectory: String { root + "/tmp/renders" }

    /// The folder a variant kind lives in, inside a timelapse folder.
    public static func variantFolderName(_ kind: VariantKind) -> String { kind == .thumbnail ? "thumbnails" : "smalls" }

    static func variantTag(_ kind: VariantKind) -> String { kind == .thumbnail ? "thumb" : "small" }

    /// `timelapse-{t}_day{NNN}_{HHMMSS}.jpg`, or `timelapse-{t}_day{NNN}_{HHMMSS}_{K}.jpg` for the K-th different
    /// instant (K ≥ 2) whose local name is already taken: the hour repeated when daylight saving time ends, a
    /// clock set back, a time zone changed. Frames are ordered by `captured_at`, never by name.
    public static func frameName(timelapseId: Int64, dayNumber: Int, clock: String, collision: Int = 1) -> String {
        let suffix = collision > 1 ? "_\(collision)" : ""
        return "timelapse-\(timelapseId)_day\(String(format: "%03d", dayNumber))_\(clock)\(suffix).jpg"
    }

    /// The relative path of a frame's variant, derived from the frame's stored path (its name was decided once,
    /// at capture: the variant name never depends on dates or the timezone setting).
    public static func variantPath(forFramePath framePath: String, kind: VariantKind) -> String? {
        let components = framePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard components.count >= 2, components[components.count - 2] == "frames",
              let frame = parseFrameName(components[components.count - 1])
        else { return nil }
        let folder = components.dropLast(2).joined(separator: "/")
        let name = "timelapse-\(frame.timelapseId)_\(variantTag(kind))_\(frame.rest)"
        return "\(folder)/\(variantFolderName(kind))/\(name)"
    }

    /// A frame name split into its timelapse id and the `day{NNN}_{HHMMSS}.jpg` rest.
    public static func parseFrameName(_ name: String) -> (timelapseId: Int64, rest: String)? {
        guard name.hasPrefix("timelapse-"), name.hasSuffix(".jpg") else { return nil }
        let body = name.dropFirst("timelapse-".count)
        guard let underscore = body.firstIndex(of: "_"), let id = Int64(body[..<underscore]) else { return nil }
        let rest = String(body[body.index(after: underscore)...])
        guard isDayClock(rest) else { return nil }
        return (id, rest)
    }

    /// What a variant file name says: the timelapse, the kind, and the frame name it was made from.
    public struct ParsedVariantName: Sendable, Equatable {
        public var timelapseId: Int64
        public var kind: VariantKind
        /// The frame name the variant belongs to (`timelapse-{t}_day{NNN}_{HHMMSS}.jpg`).
        public var frameName: String

        public init(timelapseId: Int64, kind: VariantKind, frameName: String) {
            self.timelapseId = timelapseId
            self.kind = kind
            self.frameName = frameName
        }
    }

    /// Parses `timelapse-{t}_thumb_day{NNN}_{HHMMSS}.jpg` / `_small_`; nil for any other name.
    public static func parseVariantName(_ name: String) -> ParsedVariantName? {
        guard name.hasPrefix("timelapse-"), name.hasSuffix(".jpg") else { return nil }
        let body = name.dropFirst("timelapse-".count)
        guard let underscore = body.firstIndex(of: "_"), let id = Int64(body[..<underscore]), id > 0 else { return nil }
        let tail = body[body.index(after: underscore)...]
        for kind in VariantKind.allCases {
            let prefix = variantTag(kind) + "_"
            if tail.hasPrefix(prefix) {
                let rest = String(tail.dropFirst(prefix.count))
                guard isDayClock(rest) else { return nil }
                return ParsedVariantName(timelapseId: id, kind: kind, frameName: "timelapse-\(id)_\(rest)")
            }
        }
        return nil
    }

    /// `day{NNN+}_{HHMMSS}.jpg` or `day{NNN+}_{HHMMSS}_{K}.jpg` (K ≥ 2, no leading zero).
    static func isDayClock(_ s: String) -> Bool {
        guard s.hasPrefix("day"), s.hasSuffix(".jpg") else { return false }
        let core = s.dropFirst(3).dropLast(4)
        let parts = core.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0].count >= 3, parts[0].allSatisfy(\.isASCIIDigitCharacter) else { return false }
        let clock = parts[1]
        guard clock.count == 6 && clock.allSatisfy(\.isASCIIDigitCharacter) else { return false }
        guard parts.count == 3 else { return true }
        let collision = parts[2]
        return !collision.isEmpty && collision.count <= 6 && collision.allSatisfy(\.isASCIIDigitCharacter)
            && collision.first != "0" && (Int(collision) ?? 0) >= 2
    }

    /// Day 1 is the calendar day (in `timeZone`) the timelapse started on.
    public static func dayNumber(startedAt: Date, capturedAt: Date, timeZone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.startOfDay(for: startedAt)
        let day = calendar.startOfDay(for: capturedAt)
        return (calendar.dateComponents([.day], from: start, to: day).day ?? 0) + 1
    }

    /// `HHMMSS` of `date` in `timeZone`.
    public static func clock(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d%02d%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// The absolute path of a stored relative path, or nil when it is not a plain relative path inside the
    /// data directory (absolute, `..`, empty or NUL components).
    public func absolutePath(_ relative: String) -> String? {
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0") else { return nil }
        for component in relative.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty || component == "." || component == ".." { return nil }
        }
        return root + "/" + relative
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
