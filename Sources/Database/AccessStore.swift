import Foundation
import SQLKit
import TimelapserCore

/// A user account (the password only as its bcrypt hash).
public struct UserRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var passwordHash: String
    public var role: Role
    public var totpSecret: String?
    public var createdAt: Date
    public var passwordChangedAt: Date
}

/// A server-side session: `id` is the SHA-256 of the cookie's value, never the value itself.
public struct SessionRecord: Codable, Sendable, Equatable {
    public var id: String
    public var userId: Int64
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
    public var address: String?
    public var userAgent: String?

    public init(id: String, userId: Int64, createdAt: Date, lastSeenAt: Date, expiresAt: Date, address: String?, userAgent: String?) {
        self.id = id
        self.userId = userId
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.address = address
        self.userAgent = userAgent
    }
}

/// A user's API token: `tokenHash` is the SHA-256 of the token, `scopes` a JSON array of scope texts.
public struct APITokenRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var userId: Int64
    public var name: String
    public var tokenHash: String
    public var scopes: String
    public var createdAt: Date
    public var lastUsedAt: Date?
}

/// The SQL of users, sessions, API tokens and login failures. The rules (hashing, expiry, throttling) are the
/// Access module's.
public enum AccessStore {
    static func user(_ row: any SQLRow) throws -> UserRecord {
        try row.decode(model: UserRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// ``DatabaseError/conflict(_:)`` when the name is taken.
    public static func insertUser(_ db: DatabaseConnection, username: String, passwordHash: String, role: Role, at now: Date) async throws -> UserRecord {
        try user(try await db.raw("""
            INSERT INTO users (username, password_hash, role, created_at, password_changed_at)
            VALUES (\(bind: username), \(bind: passwordHash), \(bind: role.rawValue), \(bind: now), \(bind: now))
            RETURNING *
            """).first()!)
    }

    public static func user(_ db: DatabaseConnection, named username: String) async throws -> UserRecord? {
        try await db.raw("SELECT * FROM users WHERE username = \(bind: username)").first().map(user)
    }

    public static func user(_ db: DatabaseConnection, id: Int64) async throws -> UserRecord? {
        try await db.raw("SELECT * FROM users WHERE id = \(bind: id)").first().map(user)
    }

    public static func users(_ db: DatabaseConnection) async throws -> [UserRecord] {
        try await db.raw("SELECT * FROM users ORDER BY id").all().map(user)
    }

    public static func adminCount(_ db: DatabaseConnection) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Sets a new password hash and ends every session of the user.
    public static func setPassword(_ db: DatabaseConnection, userId: Int64, passwordHash: String, at now: Date) async throws {
        try await db.raw("""
            UPDATE users SET password_hash = \(bind: passwordHash), password_changed_at = \(bind: now) WHERE id = \(bind: userId)
            """).run()
        try await db.raw("DELETE FROM sessions WHERE user_id = \(bind: userId)").run()
    }

    public static func setTOTPSecret(_ db: DatabaseConnection, userId: Int64, secret: String?) async throws {
        try await db.raw("UPDATE users SET totp_secret = \(bind: secret) WHERE id = \(bind: userId)").run()
    }

    public static func deleteUser(_ db: DatabaseConnection, id: Int64) async throws -> Bool {
        try await db.raw("DELETE FROM users WHERE id = \(bind: id) RETURNING id").first() != nil
    }
}

extension AccessStore {
    public static func insertSession(_ db: DatabaseConnection, _ session: SessionRecord) async throws {
        try await db.raw("""
            INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, address, user_agent)
            VALUES (\(bind: session.id), \(bind: session.userId), \(bind: session.createdAt), \(bind: session.lastSeenAt),
                    \(bind: session.expiresAt), \(bind: session.address), \(bind: session.userAgent))
            """).run()
    }

    /// The session and its user, when the session exists, has not reached its absolute expiry and was seen after
    /// `seenAfter` (the idle limit).
    public static func liveSession(_ db: DatabaseConnection, id: String, now: Date, seenAfter: Date) async throws -> (SessionRecord, UserRecord)? {
        guard let row = try await db.raw("""
            SELECT * FROM sessions WHERE id = \(bind: id) AND expires_at > \(bind: now) AND last_seen_at > \(bind: seenAfter)
            """).first() else { return nil }
        let session = try row.decode(model: SessionRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        guard let owner = try await user(db, id: session.userId) else { return nil }
        return (session, owner)
    }

    public static func touchSession(_ db: DatabaseConnection, id: String, at now: Date) async throws {
        try await db.raw("UPDATE sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: id)").run()
    }

    public static func deleteSession(_ db: DatabaseConnection, id: String) async throws {
        try await db.raw("DELETE FROM sessions WHERE id = \(bind: id)").run()
    }

    public static func sessions(_ db: DatabaseConnection, userId: Int64) async throws -> [SessionRecord] {
        try await db.raw("SELECT * FROM sessions WHERE user_id = \(bind: userId) ORDER BY created_at DESC").all().map {
            try $0.decode(model: SessionRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Ends every session of a user (revocation, deletion, a password change elsewhere).
    public static func deleteSessions(_ db: DatabaseConnection, userId: Int64) async throws {
        try await db.raw("DELETE FROM sessions WHERE user_id = \(bind: userId)").run()
    }
}

extension AccessStore {
    public static func insertToken(_ db: DatabaseConnection, userId: Int64, name: String, tokenHash: String, scopes: String,
                                   at now: Date) async throws -> APITokenRecord {
        try await db.raw("""
            INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at)
            VALUES (\(bind: userId), \(bind: name), \(bind: tokenHash), \(bind: scopes), \(bind: now))
            RETURNING *
            """).first()!.decode(model: APITokenRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The token with this hash and its user.
    public static func token(_ db: DatabaseConnection, hash: String) async throws -> (APITokenRecord, UserRecord)? {
        guard let row = try await db.raw("SELECT * FROM api_tokens WHERE token_hash = \(bind: hash)").first() else { return nil }
        let token = try row.decode(model: APITokenRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        guard let owner = try await user(db, id: token.userId) else { return nil }
        return (token, owner)
    }

    public static func touchToken(_ db: DatabaseConnection, id: Int64, at now: Date) async throws {
        try await db.raw("UPDATE api_tokens SET last_used_at = \(bind: now) WHERE id = \(bind: id)").run()
    }

    /// Tokens of one user, or of everyone when nil, newest first.
    public static func tokens(_ db: DatabaseConnection, userId: Int64?) async throws -> [APITokenRecord] {
        let filter: SQLQueryString = userId.map { "WHERE user_id = \(bind: $0)" } ?? ""
        return try await db.raw("SELECT * FROM api_tokens \(filter) ORDER BY id DESC").all().map {
            try $0.decode(model: APITokenRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Deletes a token (of `userId` only, when given); whether one was deleted.
    public static func deleteToken(_ db: DatabaseConnection, id: Int64, userId: Int64?) async throws -> Bool {
        let filter: SQLQueryString = userId.map { "AND user_id = \(bind: $0)" } ?? ""
        return try await db.raw("DELETE FROM api_tokens WHERE id = \(bind: id) \(filter) RETURNING id").first() != nil
    }
}

extension AccessStore {
    /// Consecutive failures and the lock of each key that has any.
    public static func loginFailures(_ db: DatabaseConnection, keys: [String]) async throws -> [String: (failures: Int, lockedUntil: Date?)] {
        var found: [String: (failures: Int, lockedUntil: Date?)] = [:]
        for key in keys {
            guard let row = try await db.raw("SELECT failures, locked_until FROM login_failures WHERE key = \(bind: key)").first() else { continue }
            found[key] = (try row.decode(column: "failures", as: Int.self), try row.decode(column: "locked_until", as: Date?.self))
        }
        return found
    }

    public static func setLoginFailures(_ db: DatabaseConnection, key: String, failures: Int, lockedUntil: Date?, at now: Date) async throws {
        try await db.raw("""
            INSERT INTO login_failures (key, failures, locked_until, updated_at)
            VALUES (\(bind: key), \(bind: failures), \(bind: lockedUntil), \(bind: now))
            ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
                updated_at = excluded.updated_at
            """).run()
    }

    public static func clearLoginFailures(_ db: DatabaseConnection, keys: [String]) async throws {
        for key in keys { try await db.raw("DELETE FROM login_failures WHERE key = \(bind: key)").run() }
    }
}

/// One write as the audit log keeps it.
public struct AuditRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var userId: Int64?
    public var username: String?
    public var method: String
    public var path: String
    public var status: Int
    public var address: String?
}

extension AccessStore {
    public static func insertAudit(_ db: DatabaseConnection, userId: Int64?, username: String?, method: String, path: String,
                                   status: Int, address: String?, at now: Date) async throws {
        try await db.raw("""
            INSERT INTO audit_log (at, user_id, username, method, path, status, address)
            VALUES (\(bind: now), \(bind: userId), \(bind: username), \(bind: method), \(bind: path), \(bind: status), \(bind: address))
            """).run()
    }

    /// Entries between two instants (either open), of one user name when given, newest first.
    public static func audit(_ db: DatabaseConnection, from: Date?, to: Date?, username: String?, limit: Int) async throws -> [AuditRecord] {
        var conditions: [SQLQueryString] = ["1 = 1"]
        if let from { conditions.append("at >= \(bind: from)") }
        if let to { conditions.append("at < \(bind: to)") }
        if let username { conditions.append("username = \(bind: username)") }
        return try await db.raw("""
            SELECT * FROM audit_log WHERE \(conditions.joined(separator: " AND ")) ORDER BY at DESC, id DESC LIMIT \(bind: limit)
            """).all().map { try $0.decode(model: AuditRecord.self, keyDecodingStrategy: .convertFromSnakeCase) }
    }

    /// Deletes entries older than `before`.
    public static func pruneAudit(_ db: DatabaseConnection, before: Date) async throws {
        try await db.raw("DELETE FROM audit_log WHERE at < \(bind: before)").run()
    }
}
