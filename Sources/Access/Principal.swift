import Foundation
import TimelapserCore

/// Who is calling: a signed-in user (by session or API token), with what the credential allows.
public struct Principal: Sendable, Equatable {
    public var userId: Int64
    public var username: String
    public var role: Role
    /// nil for a session (the role alone decides); a token's scopes otherwise.
    public var scopes: Set<TokenScope>?
    /// The session's id (the cookie's digest), for logout.
    public var sessionId: String?

    public init(userId: Int64, username: String, role: Role, scopes: Set<TokenScope>? = nil, sessionId: String? = nil) {
        self.userId = userId
        self.username = username
        self.role = role
        self.scopes = scopes
        self.sessionId = sessionId
    }

    /// Whether the credential lets this principal read (GET/HEAD) what its role may.
    public var mayRead: Bool { scopes.map { $0.contains(.read) || $0.contains(.write) } ?? true }

    /// Whether it may change what its role may change.
    public var mayWrite: Bool { scopes.map { $0.contains(.write) } ?? true }

    /// Whether it may upload frames of `cameraId`.
    public func mayCapture(cameraId: Int64) -> Bool {
        guard role >= .operator else { return false }
        return scopes.map { $0.contains(.write) || $0.contains(.capture(cameraId: cameraId)) } ?? true
    }
}
