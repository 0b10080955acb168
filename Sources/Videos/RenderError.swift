/// Why a render failed; the message is what `GET /api/videos/{id}` shows as `error`.
public enum RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    case noFrames
    case invalidSettings(String)
    case encoderFailed(String)
    case writeFailed(String)
    case timelapseMissing

    public var description: String {
        switch self {
        case .noFrames: "no frames match the render settings"
        case .invalidSettings(let detail): "invalid render settings: \(detail)"
        case .encoderFailed(let detail): "encoder failed: \(detail)"
        case .writeFailed(let detail): "could not write the video: \(detail)"
        case .timelapseMissing: "the timelapse was deleted"
        }
    }
}
