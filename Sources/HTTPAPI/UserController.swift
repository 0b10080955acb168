import Access
import Database
import Foundation
import Hummingbird
import TimelapserCore

/// `POST /api/users`.
struct UserCreateRequest: Decodable, Sendable {
    var username: String?
    var password: String?
    var role: Role?
}

/// `POST /api/tokens`.
struct TokenCreateRequest: Decodable, Sendable {
    var name: String?
    var scopes: [TokenScope]?
}

/// An API token as listed (never the token itself).
struct TokenResponse: Encodable {
    var id: Int64
    var userId: Int64
    var name: String
    var scopes: [String]
    var createdAt: Date
    @AlwaysPresent var lastUsedAt: Date?

    init(_ record: APITokenRecord) {
        id = record.id
        userId = record.userId
        name = record.name
        scopes = AccessService.scopes(of: record).map(\.text).sorted()
        createdAt = record.createdAt
        lastUsedAt = record.lastUsedAt
    }
}

/// A token just made: the only answer that carries it.
struct CreatedTokenResponse: Encodable {
    var id: Int64
    var token: String
    var name: String
    var scopes: [String]
}

/// Users (admins), API tokens (each user their own; admins everyone's) and the audit log (admins).
struct UserController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.get("users", .admin, use: list)
        routes.post("users", .admin, use: create)
        routes.delete("users/:id", .admin, use: delete)
        routes.post("users/:id/revoke-sessions", .admin, use: revokeSessions)
        routes.get("tokens", .viewer, use: tokens)
        routes.post("tokens", .viewer, use: createToken)
        routes.delete("tokens/:id", .viewer, use: revokeToken)
        routes.get("audit", .admin, use: audit)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.ok(try await services.access.users().map(UserResponse.init))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let body = try await RequestInput.decode(UserCreateRequest.self, from: &request)
        let user = try await services.access.addUser(username: body.username ?? "", password: body.password ?? "", role: body.role ?? .viewer)
        return JSONResponse.ok(UserResponse(user), status: .created)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "User")
        try await services.access.deleteUser(id)
        return JSONResponse.ok(["deleted": true])
    }

    @Sendable func revokeSessions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try RequestInput.id(context, entity: "User")
        guard try await services.access.users().contains(where: { $0.id == id }) else { throw AccessError.userNotFound(id) }
        try await services.access.endSessions(userId: id)
        return JSONResponse.ok(["sessions_revoked": true])
    }

    @Sendable func tokens(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try AuthController.principal(context)
        let everyone = try RequestInput.bool(request, "all") == true && principal.role == .admin
        return JSONResponse.ok(try await services.access.tokens(userId: everyone ? nil : principal.userId).map(TokenResponse.init))
    }

    @Sendable func createToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try AuthController.principal(context)
        guard principal.scopes == nil else { throw APIError(.forbidden, "Tokens are made by a signed-in user, not by another token") }
        var request = request
        let body = try await RequestInput.decode(TokenCreateRequest.self, from: &request)
        let scopes = Set(body.scopes ?? [.read])
        let (token, record) = try await services.access.createToken(userId: principal.userId, name: body.name ?? "", scopes: scopes)
        return JSONResponse.ok(CreatedTokenResponse(id: record.id, token: token, name: record.name, scopes: scopes.map(\.text).sorted()),
                               status: .created)
    }

    @Sendable func revokeToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try AuthController.principal(context)
        let id = try RequestInput.id(context, entity: "Token")
        try await services.access.revokeToken(id: id, userId: principal.role == .admin ? nil : principal.userId)
        return JSONResponse.ok(["revoked": true])
    }

    @Sendable func audit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let from = try RequestInput.date(request.uri.queryParameters.get("from"), field: "from")
        let to = try RequestInput.date(request.uri.queryParameters.get("to"), field: "to")
        let limit = try RequestInput.int(request, "limit", in: 1...10_000) ?? 1000
        let entries = try await services.audit.entries(from: from, to: to, username: request.uri.queryParameters.get("user"), limit: limit)
        return JSONResponse.ok(entries.map(AuditResponse.init))
    }
}

/// One audit log entry.
struct AuditResponse: Encodable {
    var at: Date
    @AlwaysPresent var userId: Int64?
    @AlwaysPresent var username: String?
    var method: String
    var path: String
    var status: Int
    @AlwaysPresent var address: String?

    init(_ record: AuditRecord) {
        at = record.at
        userId = record.userId
        username = record.username
        method = record.method
        path = record.path
        status = record.status
        address = record.address
    }
}

extension AuditLog {
    /// Records a write of `principal` as the middleware saw it.
    func record(_ principal: Principal, request: Request, status: HTTPResponse.Status, context: AppRequestContext,
                settings: SettingsService) async {
        let keep = (try? await settings.current().auditRetentionDays) ?? 90
        await record(userId: principal.userId, username: principal.username, method: request.method.rawValue, path: request.uri.path,
                     status: status.code, address: context.clientAddress, keepDays: keep)
    }
}

extension OpenAPIDocument {
    static let accessOperations: [APIOperation] = [
        APIOperation(method: "post", path: "/api/auth/login", summary: "Sign in: sets the session cookie (users mode)", tag: "access",
                     responses: [200: "{mode, user: {id, username, role, created_at, totp_enabled}, setup_required}",
                                 401: "Wrong user name, password or code (the same answer for each)",
                                 429: "Too many failures in a row for this account or address: Retry-After", 409: "Users are off"],
                     body: "{username, password, code? (one-time code, when the account has a second factor)}"),
        APIOperation(method: "post", path: "/api/auth/logout", summary: "Sign out: ends the session, clears the cookie", tag: "access",
                     responses: [200: "{signed_out: true}"]),
        APIOperation(method: "get", path: "/api/auth/me", summary: "The auth mode, the signed-in user (or null), whether setup is needed",
                     tag: "access", responses: [200: "{mode, user, setup_required}"]),
        APIOperation(method: "post", path: "/api/auth/password", summary: "Change one's password (every session ends)", tag: "access",
                     responses: [200: "{password_changed: true}", 422: "Wrong current password, or new password too short (details.field)"],
                     body: "{current_password, new_password}"),
        APIOperation(method: "post", path: "/api/auth/totp/setup", summary: "A new TOTP secret and its otpauth:// URL (not stored yet)",
                     tag: "access", responses: [200: "{secret, otpauth_url}"]),
        APIOperation(method: "post", path: "/api/auth/totp/enable", summary: "Turn the second factor on with a code from the secret",
                     tag: "access", responses: [200: "{totp_enabled: true}", 422: "Code does not match"], body: "{secret, code}"),
        APIOperation(method: "delete", path: "/api/auth/totp", summary: "Turn one's second factor off", tag: "access",
                     responses: [200: "{totp_enabled: false}"]),
        APIOperation(method: "get", path: "/api/users", summary: "Users (admin)", tag: "access", responses: [200: "[user]"]),
        APIOperation(method: "post", path: "/api/users", summary: "Add a user (admin)", tag: "access",
                     responses: [201: "user", 409: "Name taken", 422: "Bad name or password"],
                     body: "{username, password (10+ characters), role: admin|operator|viewer}"),
        APIOperation(method: "delete", path: "/api/users/{id}", summary: "Remove a user with their sessions and tokens (admin)", tag: "access",
                     responses: [200: "{deleted: true}", 404: "Unknown user", 409: "The last admin"]),
        APIOperation(method: "post", path: "/api/users/{id}/revoke-sessions", summary: "End every session of a user (admin)", tag: "access",
                     responses: [200: "{sessions_revoked: true}", 404: "Unknown user"]),
        APIOperation(method: "get", path: "/api/tokens", summary: "One's API tokens (an admin with all=true: everyone's)", tag: "access",
                     responses: [200: "[{id, user_id, name, scopes, created_at, last_used_at}]"], query: [("all", "boolean", "every user's (admin)")]),
        APIOperation(method: "post", path: "/api/tokens", summary: "Make an API token: shown once, stored hashed", tag: "access",
                     responses: [201: "{id, token, name, scopes}", 422: "Bad name or scopes"],
                     body: "{name, scopes: [read | write | capture:{camera_id}]}"),
        APIOperation(method: "delete", path: "/api/tokens/{id}", summary: "Revoke a token (one's own; an admin: anyone's)", tag: "access",
                     responses: [200: "{revoked: true}", 404: "Unknown token"]),
        APIOperation(method: "get", path: "/api/audit", summary: "The audit log of writes: who, what, when, from where (admin)", tag: "access",
                     responses: [200: "[{at, user_id, username, method, path, status, address}]"],
                     query: [("from", "string", "ISO 8601"), ("to", "string", "ISO 8601"), ("user", "string", "a user name"),
                             ("limit", "integer", "at most this many (1000)")]),
    ]
}
