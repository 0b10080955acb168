import Database
import Foundation

/// Overlay text as a SubRip file burnt in by ffmpeg's `subtitles` filter (libass): one cue per run of frames with
/// the same text, timed in milliseconds on the video's own clock, white with a dark outline so it reads on bright
/// and dark frames alike. The font is DejaVu Sans (Debian's `fonts-dejavu-core`).
struct OverlayCaptions {
    static let fontsDirectory = "/usr/share/fonts/truetype/dejavu"

    let content: OverlayContent
    let position: OverlayPosition

    /// The text shown on each frame of the plan.
    func texts(for plan: RenderPlan, timeZone: TimeZone) -> [String] {
        switch content {
        case .text(let text):
            return [String](repeating: Self.sanitized(text), count: plan.frames.count)
        case .dayNumber:
            return plan.frames.map { "Day \($0.dayNumber)" }
        case .timestamp(let format):
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = timeZone
            formatter.dateFormat = format
            return plan.frames.map { Self.sanitized(formatter.string(from: $0.capturedAt)) }
        }
    }

    /// The SubRip document for `texts` at `fps`; with `alignment` (numeric-keypad layout), each cue starts with an
    /// `{\anN}` tag, which places it there whatever libass makes of the style's `Alignment` (it reads a forced
    /// `Alignment` of a SubRip track the legacy SSA way, where 7 is top right).
    static func subRip(texts: [String], fps: Double, alignment: Int? = nil) -> String {
        func stamp(_ frame: Int) -> String {
            let ms = Int((Double(frame) * 1000 / fps).rounded(.down))
            return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
        }
        var out = ""
        var cue = 1
        var start = 0
        while start < texts.count {
            var end = start + 1
            while end < texts.count && texts[end] == texts[start] { end += 1 }
            let tag = alignment.map { "{\\an\($0)}" } ?? ""
            out += "\(cue)\n\(stamp(start)) --> \(stamp(end))\n\(tag)\(texts[start])\n\n"
            cue += 1
            start = end
        }
        return out
    }

    /// Style for libass: size relative to the frame height (its script is 288 units high), outline and shadow. The
    /// position is not here but in each cue (``subRip(texts:fps:alignment:)``).
    var forceStyle: String {
        "FontName=DejaVu Sans,FontSize=13,PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000,BackColour=&H80000000,"
            + "BorderStyle=1,Outline=1.2,Shadow=0.6,MarginL=10,MarginR=10,MarginV=8"
    }

    /// The `-vf` value reading `fileName` (relative to ffmpeg's working directory, so no path needs escaping).
    func filter(fileName: String) -> String {
        "subtitles=filename=\(fileName):fontsdir=\(Self.fontsDirectory):force_style='\(forceStyle)'"
    }

    /// Keeps text out of SubRip and libass markup: no tags, no override blocks, one line.
    static func sanitized(_ text: String) -> String {
        String(text.map { "<>{}\\\n\r".contains($0) ? " " : $0 })
    }
}
