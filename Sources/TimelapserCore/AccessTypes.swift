import Foundation

/// How the server decides who may call it (`--auth`, `TIMELAPSER_AUTH`).
public enum AuthMode: String, Sendable, Codable, CaseIterable {
    /// Everyone may do everything: for one person on 127.0.0.1.
    case none
    /// One shared token (`--api-token`) guards writes; reads are open (the behaviour before users existed).
    case token
    /// Users with roles, sessions, per-user API tokens; only public routes answer an anonymous client.
    case users
}

/// What a user may do; each role may do everything the roles before it may.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads everything (frames, videos, events, settings), changes nothing.
    case viewer
    /// Cameras, captures, timelapses, renders, maintenance, retention; not users, settings or webhooks.
    case `operator`
    /// Everything.
    case admin

    var rank: Int { Role.allCases.firstIndex(of: self)! }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// What an API token may do, within its user's role.
public enum TokenScope: Sendable, Hashable, Codable {
    /// GET and HEAD of what the user may read.
    case read
    /// Everything the user's role allows.
    case write
    /// Only `POST /api/cameras/{id}/captures` of this camera (a camera that pushes its own frames).
    case capture(cameraId: Int64)

    /// `read`, `write`, `capture:{id}`.
    public var text: String {
        switch self {
        case .read: "read"
        case .write: "write"
        case .capture(let id): "capture:\(id)"
        }
    }

    public init?(text: String) {
        switch text {
        case "read": self = .read
        case "write": self = .write
        default:
            guard text.hasPrefix("capture:"), let id = Int64(text.dropFirst("capture:".count)), id > 0 else { return nil }
            self = .capture(cameraId: id)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let scope = TokenScope(text: text) else {
            throw SettingsValidationError(field: "scopes", message: "each scope must be read, write or capture:{camera_id}")
        }
        self = scope
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
