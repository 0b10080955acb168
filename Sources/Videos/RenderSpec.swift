import Foundation
import TimelapserCore

/// Video codecs a render can use, with the ffmpeg encoder and defaults of each.
public enum VideoCodec: String, Sendable, Codable, CaseIterable {
    case h264
    case hevc
    case av1

    var encoder: String {
        switch self {
        case .h264: "libx264"
        case .hevc: "libx265"
        case .av1: "libsvtav1"
        }
    }

    /// CRF when the settings give none: about the same visual quality for each.
    var defaultQuality: Int {
        switch self {
        case .h264: 23
        case .hevc: 28
        case .av1: 35
        }
    }

    var qualityRange: ClosedRange<Int> { self == .av1 ? 0...63 : 0...51 }

    var presets: [String] {
        switch self {
        case .h264, .hevc: ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"]
        case .av1: (0...13).map(String.init)
        }
    }

    var defaultPreset: String { self == .av1 ? "8" : "veryfast" }
}

/// Output height by name; `source` keeps the frames' size.
public enum OutputResolution: Sendable, Equatable {
    case source
    case height(Int)
    case width(Int)

    static let named: [String: OutputResolution] = [
        "source": .source, "2160p": .height(2160), "1440p": .height(1440), "1080p": .height(1080), "720p": .height(720),
    ]

    /// The even output size for `width × height` frames: fitted, never upscaled.
    public func size(sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        let w = Double(sourceWidth), h = Double(sourceHeight)
        var scale = 1.0
        switch self {
        case .source: break
        case .height(let target): scale = min(1, Double(target) / h)
        case .width(let target): scale = min(1, Double(target) / w)
        }
        func even(_ x: Double) -> Int { max(2, Int((x / 2).rounded()) * 2) }
        let maxWidth = max(2, sourceWidth & ~1), maxHeight = max(2, sourceHeight & ~1)
        return (min(even(w * scale), maxWidth), min(even(h * scale), maxHeight))
    }
}

/// Where overlay text sits: the nine places of a 3 × 3 grid.
public enum OverlayPosition: String, Sendable, CaseIterable {
    case topLeft = "top_left", topCenter = "top_center", topRight = "top_right"
    case middleLeft = "middle_left", center, middleRight = "middle_right"
    case bottomLeft = "bottom_left", bottomCenter = "bottom_center", bottomRight = "bottom_right"

    /// The ASS/SSA alignment number (numeric-keypad layout) libass positions by.
    var alignment: Int {
        switch self {
        case .bottomLeft: 1
        case .bottomCenter: 2
        case .bottomRight: 3
        case .middleLeft: 4
        case .center: 5
        case .middleRight: 6
        case .topLeft: 7
        case .topCenter: 8
        case .topRight: 9
        }
    }
}

/// What text is drawn on each frame.
public enum OverlayContent: Sendable, Equatable {
    /// The frame's local capture time in a `DateFormatter` pattern.
    case timestamp(format: String)
    /// "Day N" of the timelapse.
    case dayNumber
    case text(String)
}

/// How long the video is.
public enum VideoLength: Sendable, Equatable {
    case fps(Double)
    /// Frames per second derived from the frame count, clamped to `minFps...maxFps`.
    case target(seconds: Double, minFps: Double, maxFps: Double)
}

/// Validated, typed render settings.
public struct RenderSpec: Sendable {
    public var name: String
    public var length: VideoLength
    public var from: Date?
    public var to: Date?
    /// Minutes after local midnight.
    public var timeOfDay: (start: Int, end: Int)?
    public var perDay: (count: Int, nearMinute: Int)?
    public var everyNth: Int
    public var resolution: OutputResolution
    public var codec: VideoCodec
    public var quality: Int
    public var preset: String
    public var deflicker: Bool
    public var overlay: (content: OverlayContent, position: OverlayPosition)?
}

extension RenderSettings {
    /// The typed settings, or a ``SettingsValidationError`` naming the first bad field (the API answers 422).
    public func validated() throws(SettingsValidationError) -> RenderSpec {
        func bad(_ field: String, _ message: String) -> SettingsValidationError { SettingsValidationError(field: field, message: message) }
        let name = self.name ?? "full"
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw bad("name", "must be 1-64 letters, digits, '-' or '_'") }

        let length: VideoLength
        switch (fps, targetSeconds) {
        case (.some, .some): throw bad("target_seconds", "give fps or target_seconds, not both")
        case (let fps?, nil):
            guard (1...120).contains(fps) else { throw bad("fps", "must be from 1 to 120") }
            length = .fps(fps)
        case (nil, let seconds?):
            guard seconds > 0, seconds <= 86_400 else { throw bad("target_seconds", "must be more than 0 and at most 86400") }
            let minFps = self.minFps ?? 12, maxFps = self.maxFps ?? 60
            guard (1...120).contains(minFps) else { throw bad("min_fps", "must be from 1 to 120") }
            guard (1...120).contains(maxFps), maxFps >= minFps else { throw bad("max_fps", "must be from min_fps to 120") }
            length = .target(seconds: seconds, minFps: minFps, maxFps: maxFps)
        case (nil, nil): length = .fps(24)
        }

        let from = try self.from.map { text throws(SettingsValidationError) in
            guard let date = JSONDate.parse(text) else { throw bad("from", "must be an ISO 8601 date-time") }
            return date
        }
        let to = try self.to.map { text throws(SettingsValidationError) in
            guard let date = JSONDate.parse(text) else { throw bad("to", "must be an ISO 8601 date-time") }
            return date
        }
        if let from, let to, to <= from { throw bad("to", "must be after from") }

        var timeOfDay: (Int, Int)?
        if let window = self.timeOfDay {
            guard let start = ClockTime.minutes(window.start) else { throw bad("time_of_day", "start must be HH:MM") }
            guard let end = ClockTime.minutes(window.end) else { throw bad("time_of_day", "end must be HH:MM") }
            guard start != end else { throw bad("time_of_day", "start and end must differ") }
            timeOfDay = (start, end)
        }
        var perDay: (Int, Int)?
        if let rule = self.perDay {
            guard (1...1440).contains(rule.count) else { throw bad("per_day", "count must be from 1 to 1440") }
            guard let near = ClockTime.minutes(rule.near) else { throw bad("per_day", "near must be HH:MM") }
            perDay = (rule.count, near)
        }
        let everyNth = self.everyNth ?? 1
        guard (1...100_000).contains(everyNth) else { throw bad("every_nth", "must be from 1 to 100000") }

        let resolution: OutputResolution
        switch self.resolution {
        case nil: resolution = .height(1080)
        case .named(let text)?:
            guard let named = OutputResolution.named[text] else {
                throw bad("resolution", "must be source, 2160p, 1440p, 1080p, 720p or a width in pixels")
            }
            resolution = named
        case .width(let width)?:
            guard (16...7680).contains(width) else { throw bad("resolution", "a width must be from 16 to 7680") }
            resolution = .width(width)
        }
        guard let codec = VideoCodec(rawValue: self.codec ?? "h264") else { throw bad("codec", "must be h264, hevc or av1") }
        let quality = self.quality ?? codec.defaultQuality
        guard codec.qualityRange.contains(quality) else {
            throw bad("quality", "must be a CRF from \(codec.qualityRange.lowerBound) to \(codec.qualityRange.upperBound) for \(codec.rawValue)")
        }
        let preset = self.preset ?? codec.defaultPreset
        guard codec.presets.contains(preset) else {
            throw bad("preset", "must be one of \(codec.presets.joined(separator: ", ")) for \(codec.rawValue)")
        }

        var overlay: (OverlayContent, OverlayPosition)?
        if let requested = self.overlay, requested.kind != "none" {
            let content: OverlayContent
            switch requested.kind {
            case "timestamp":
                let format = requested.format ?? "yyyy-MM-dd HH:mm"
                guard (1...64).contains(format.count) else { throw bad("overlay", "format must be 1-64 characters") }
                content = .timestamp(format: format)
            case "day_number": content = .dayNumber
            case "text":
                guard let text = requested.text, (1...200).contains(text.count) else {
                    throw bad("overlay", "text must be 1-200 characters")
                }
                content = .text(text)
            default: throw bad("overlay", "kind must be none, timestamp, day_number or text")
            }
            guard let position = OverlayPosition(rawValue: requested.position ?? "bottom_right") else {
                throw bad("overlay", "position must be one of \(OverlayPosition.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            overlay = (content, position)
        }
        return RenderSpec(name: name, length: length, from: from, to: to, timeOfDay: timeOfDay, perDay: perDay, everyNth: everyNth,
                          resolution: resolution, codec: codec, quality: quality, preset: preset, deflicker: deflicker ?? false,
                          overlay: overlay)
    }
}
