import Database
import Foundation
import HummingbirdBcrypt
import HummingbirdOTP
import Logging
import NIOPosix
import Synchronization
import TimelapserCore

/// Users, their sessions and API tokens, and logins with throttling: the rules of access, for the HTTP layer and
/// the `timelapser users` command. Passwords are bcrypt hashes (cost ``bcryptCost``); cookies and tokens are
/// random and stored as SHA-256 digests.
public struct AccessService: Sendable {
    let database: TimelapserDatabase
    let logger: Logger
    /// bcrypt's cost: 12 (about a quarter of a second here), never less.
    let bcryptCost: UInt8
    /// A session unused this long ends.
    public let sessionIdle: TimeInterval
    /// A session ends this long after it began, used or not.
    public let sessionLifetime: TimeInterval
    private let setup = SetupState()
    let recent = RecentPrincipals()

    public static let minimumPasswordLength = 10
    /// A session's last-seen time is written at most this often (each request would otherwise write).
    static let touchInterval: TimeInterval = 60

    public init(database: TimelapserDatabase, logger: Logger, bcryptCost: UInt8 = 12,
                sessionIdle: TimeInterval = 7 * 86_400, sessionLifetime: TimeInterval = 30 * 86_400) {
        self.database = database
        self.logger = logger
        self.bcryptCost = max(12, bcryptCost)
        self.sessionIdle = sessionIdle
        self.sessionLifetime = sessionLifetime
    }

    // MARK: users

    /// Adds a user; the name is 1–64 letters, digits, `.`, `_` or `-`; the password at least
    /// ``minimumPasswordLength`` characters (no composition rules).
    @discardableResult
    public func addUser(username: String, password: String, role: Role) async throws -> UserRecord {
        let name = username.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw AccessError.invalidField(field: "username", message: "must be 1 to 64 letters, digits, '.', '_' or '-'")
        }
        try Self.checkPassword(password)
        let hash = try await hashPassword(password)
        do {
            return try await database.transaction {
                try await AccessStore.insertUser($0, username: name, passwordHash: hash, role: role, at: Date())
            }
        } catch DatabaseError.conflict {
            throw AccessError.userExists(name)
        }
    }

    public func users() async throws -> [UserRecord] {
        try await database.read { try await AccessStore.users($0) }
    }

    /// Deletes a user with their sessions and tokens; the last admin stays.
    public func deleteUser(_ id: Int64) async throws {
        defer { recent.forgetAll() }
        try await database.transaction { db in
            guard let user = try await AccessStore.user(db, id: id) else { throw AccessError.userNotFound(id) }
            if user.role == .admin, try await AccessStore.adminCount(db) <= 1 { throw AccessError.lastAdmin }
            _ = try await AccessStore.deleteUser(db, id: id)
        }
    }

    /// Changes a password after checking the current one; every session of the user ends.
    public func changePassword(userId: Int64, current: String, new: String) async throws {
        defer { recent.forgetAll() }
        try Self.checkPassword(new)
        guard let user = try await database.read({ try await AccessStore.user($0, id: userId) }),
              try await verify(current, hash: user.passwordHash) else {
            throw AccessError.invalidField(field: "current_password", message: "is wrong")
        }
        let hash = try await hashPassword(new)
        try await database.transaction { try await AccessStore.setPassword($0, userId: userId, passwordHash: hash, at: Date()) }
    }

    /// Whether no admin exists yet: the server then serves only a setup notice.
    public func needsSetup() async throws -> Bool {
        if setup.done { return false }
        let admins = try await database.read { try await AccessStore.adminCount($0) }
        if admins > 0 { setup.markDone() }
        return admins == 0
    }

    static func checkPassword(_ password: String) throws {
        guard password.count >= minimumPasswordLength, password.count <= 256 else {
            throw AccessError.invalidField(field: "password", message: "must be \(minimumPasswordLength) to 256 characters")
        }
    }

    // MARK: bcrypt, on threads of its own (each call holds a core for a quarter of a second): never on the
    // cooperative threads, and never on NIO's shared pool, where SQLite's queries and file reads wait their turn.

    static let hashingThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    func hashPassword(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await Self.hashingThreads.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await Self.hashingThreads.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash no password matches, verified for unknown users so that they cost the same time as a wrong password.
    static let decoyHash = Bcrypt.hash(Secrets.random(), cost: 12)
}

/// Whether an admin has been seen (then setup is done for good: the last admin cannot be deleted).
final class SetupState: Sendable {
    private let state = Mutex(false)
    var done: Bool { state.withLock { $0 } }
    func markDone() { state.withLock { $0 = true } }
}

extension AccessService {
    /// A new session: the cookie's value (shown once) and the user.
    public struct Login: Sendable {
        public var cookie: String
        public var user: UserRecord
        public var expiresAt: Date
    }

    /// Checks a login. Throttled keys answer ``AccessError/throttled(retryAfterSeconds:)`` before the password is
    /// looked at; an unknown user and a wrong password give the same error after the same bcrypt work. With a TOTP
    /// secret on the account, `code` must be its current (or the previous or next) one-time code.
    public func login(username: String, password: String, code: String?, address: String?, userAgent: String?,
                      now: Date = Date()) async throws -> Login {
        let keys = LoginThrottle.keys(username: username, address: address)
        let failures = try await database.read { try await AccessStore.loginFailures($0, keys: keys) }
        if let lock = failures.values.compactMap(\.lockedUntil).max(), lock > now {
            throw AccessError.throttled(retryAfterSeconds: Int(lock.timeIntervalSince(now).rounded(.up)))
        }
        let user = try await database.read { try await AccessStore.user($0, named: username) }
        let matches = try await verify(password, hash: user?.passwordHash ?? Self.decoyHash)
        guard let user, matches, Self.codeMatches(code, secret: user.totpSecret, now: now) else {
            try await database.transaction { db in
                for key in keys {
                    let count = (failures[key]?.failures ?? 0) + 1
                    try await AccessStore.setLoginFailures(db, key: key, failures: count, lockedUntil: LoginThrottle.lock(after: count, now: now), at: now)
                }
            }
            logger.notice("login failed for \(username) from \(address ?? "?")")
            throw AccessError.invalidCredentials
        }
        let cookie = Secrets.random()
        let session = SessionRecord(id: Secrets.digest(cookie), userId: user.id, createdAt: now, lastSeenAt: now,
                                    expiresAt: now + sessionLifetime, address: address, userAgent: userAgent.map { String($0.prefix(200)) })
        try await database.transaction { db in
            try await AccessStore.clearLoginFailures(db, keys: keys)
            try await AccessStore.insertSession(db, session)
        }
        return Login(cookie: cookie, user: user, expiresAt: session.expiresAt)
    }

    static func codeMatches(_ code: String?, secret: String?, now: Date) -> Bool {
        guard let secret else { return true }
        guard let code, let value = Int(code.trimmingCharacters(in: .whitespaces)) else { return false }
        let totp = TOTP(secret: secret)
        return [-30.0, 0, 30].contains { totp.compute(date: now + $0) == value }
    }

    /// The principal of a session cookie, nil when it is unknown, idle too long or past its lifetime.
    public func principal(sessionCookie cookie: String, now: Date = Date()) async throws -> Principal? {
        let id = Secrets.digest(cookie)
        let generation = recent.generation
        guard let (session, user) = try await database.read({
            try await AccessStore.liveSession($0, id: id, now: now, seenAfter: now - sessionIdle)
        }) else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
            try await database.autocommit { try await AccessStore.touchSession($0, id: id, at: now) }
        }
        let principal = Principal(userId: user.id, username: user.username, role: user.role, sessionId: id)
        recent.remember(principal, credential: "cookie:" + cookie, since: generation)
        return principal
    }

    /// The principal of a session cookie or bearer token the database confirmed in the last few seconds
    /// (``RecentPrincipals``), without asking it again; nil otherwise. For the fast image path only.
    public func recentPrincipal(sessionCookie: String?, bearer: String?) -> Principal? {
        if let bearer { return recent.principal(credential: "bearer:" + bearer) }
        if let sessionCookie { return recent.principal(credential: "cookie:" + sessionCookie) }
        return nil
    }

    /// Ends one session (logout).
    public func endSession(id: String) async throws {
        defer { recent.forgetAll() }
        try await database.autocommit { try await AccessStore.deleteSession($0, id: id) }
    }

    /// Ends every session of a user (revocation).
    public func endSessions(userId: Int64) async throws {
        defer { recent.forgetAll() }
        try await database.autocommit { try await AccessStore.deleteSessions($0, userId: userId) }
    }
}

extension AccessService {
    /// Creates an API token for a user: the token (shown once) and its row.
    public func createToken(userId: Int64, name: String, scopes: Set<TokenScope>) async throws -> (token: String, record: APITokenRecord) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(trimmed.count) else {
            throw AccessError.invalidField(field: "name", message: "must be 1 to 100 characters")
        }
        guard !scopes.isEmpty else { throw AccessError.invalidField(field: "scopes", message: "must list at least one scope") }
        let token = "tl_" + Secrets.random()
        let json = String(decoding: try JSONEncoder().encode(scopes.map(\.text).sorted()), as: UTF8.self)
        let record = try await database.transaction {
            try await AccessStore.insertToken($0, userId: userId, name: trimmed, tokenHash: Secrets.digest(token), scopes: json, at: Date())
        }
        return (token, record)
    }

    /// The principal of a bearer token, nil when no such token exists. Records when it was last used (at most once
    /// a minute).
    public func principal(bearer token: String, now: Date = Date()) async throws -> Principal? {
        let generation = recent.generation
        guard let (record, user) = try await database.read({ try await AccessStore.token($0, hash: Secrets.digest(token)) }) else { return nil }
        if record.lastUsedAt.map({ now.timeIntervalSince($0) > Self.touchInterval }) ?? true {
            try await database.autocommit { try await AccessStore.touchToken($0, id: record.id, at: now) }
        }
        let principal = Principal(userId: user.id, username: user.username, role: user.role, scopes: Self.scopes(of: record))
        recent.remember(principal, credential: "bearer:" + token, since: generation)
        return principal
    }

    public static func scopes(of record: APITokenRecord) -> Set<TokenScope> {
        Set(((try? JSONDecoder().decode([String].self, from: Data(record.scopes.utf8))) ?? []).compactMap(TokenScope.init(text:)))
    }

    /// Tokens of a user (every user's when nil).
    public func tokens(userId: Int64?) async throws -> [APITokenRecord] {
        try await database.read { try await AccessStore.tokens($0, userId: userId) }
    }

    /// Revokes a token (only the user's own unless `userId` is nil, for an admin).
    public func revokeToken(id: Int64, userId: Int64?) async throws {
        defer { recent.forgetAll() }
        guard try await database.autocommit({ try await AccessStore.deleteToken($0, id: id, userId: userId) }) else {
            throw AccessError.tokenNotFound(id)
        }
    }
}
