import Access
import Database
import Foundation
import Hummingbird
import TimelapserCore

/// `POST /api/auth/login`.
struct LoginRequest: Decodable, Sendable {
    var username: String?
    var password: String?
    /// The current one-time code, for an account with a second factor.
    var code: String?
}

/// `POST /api/auth/password`.
struct PasswordChangeRequest: Decodable, Sendable {
    var currentPassword: String?
    var newPassword: String?
}

/// `POST /api/auth/totp/enable`.
struct TOTPEnableRequest: Decodable, Sendable {
    var secret: String?
    var code: String?
}

/// A user as the API shows them (never the hash or the second factor's secret).
struct UserResponse: Encodable {
    var id: Int64
    var username: String
    var role: Role
    var createdAt: Date
    var totpEnabled: Bool

    init(_ user: UserRecord) {
        id = user.id
        username = user.username
        role = user.role
        createdAt = user.createdAt
        totpEnabled = user.totpSecret != nil
    }
}

/// `GET /api/auth/me`.
struct MeResponse: Encodable {
    var mode: AuthMode
    @AlwaysPresent var user: UserResponse?
    var setupRequired: Bool
}

/// Signing in and out, who am I, the password and the second factor.
struct AuthController {
    let services: APIServices

    func addRoutes(to routes: AccessRoutes) {
        routes.post("auth/login", .anyone, use: login)
        routes.post("auth/logout", .anyone, use: logout)
        routes.get("auth/me", .anyone, use: me)
        routes.post("auth/password", .viewer, use: changePassword)
        routes.post("auth/totp/setup", .viewer, use: totpSetup)
        routes.post("auth/totp/enable", .viewer, use: totpEnable)
        routes.delete("auth/totp", .viewer, use: totpDisable)
    }

    func requireUsersMode() throws {
        guard services.authMode == .users else {
            throw APIError(.conflict, "Users are off: start the server with --auth users")
        }
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        try requireUsersMode()
        var request = request
        let body = try await RequestInput.decode(LoginRequest.self, from: &request)
        guard let username = body.username, !username.isEmpty else { throw APIError.badRequest("username is required", field: "username") }
        guard let password = body.password, !password.isEmpty else { throw APIError.badRequest("password is required", field: "password") }
        let login = try await services.access.login(username: username, password: password, code: body.code,
                                                    address: context.clientAddress, userAgent: request.headers[.userAgent])
        var response = JSONResponse.ok(MeResponse(mode: .users, user: UserResponse(login.user), setupRequired: false))
        response.setCookie(Self.cookie(login.cookie, expires: login.expiresAt, request: request, servesTLS: services.servesTLS))
        return response
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let id = context.principal?.sessionId { try await services.access.endSession(id: id) }
        var response = JSONResponse.ok(["signed_out": true])
        response.setCookie(Self.cookie("", expires: Date(timeIntervalSince1970: 0), request: request, servesTLS: services.servesTLS))
        return response
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let setup = services.authMode == .users ? try await services.access.needsSetup() : false
        let user = try await context.principal.asyncMap { principal in
            try await services.access.users().first { $0.id == principal.userId }.map(UserResponse.init)
        } ?? nil
        return JSONResponse.ok(MeResponse(mode: services.authMode, user: user, setupRequired: setup))
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try Self.principal(context)
        var request = request
        let body = try await RequestInput.decode(PasswordChangeRequest.self, from: &request)
        try await services.access.changePassword(userId: principal.userId, current: body.currentPassword ?? "", new: body.newPassword ?? "")
        var response = JSONResponse.ok(["password_changed": true, "signed_out": true])
        response.setCookie(Self.cookie("", expires: Date(timeIntervalSince1970: 0), request: request, servesTLS: services.servesTLS))
        return response
    }

    /// A fresh secret and its `otpauth://` URL for an authenticator app; nothing is stored until it is confirmed.
    @Sendable func totpSetup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try Self.principal(context)
        let (secret, url) = AccessService.newTOTP(label: principal.username)
        return JSONResponse.ok(["secret": secret, "otpauth_url": url])
    }

    @Sendable func totpEnable(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try Self.principal(context)
        var request = request
        let body = try await RequestInput.decode(TOTPEnableRequest.self, from: &request)
        guard let secret = body.secret, !secret.isEmpty else { throw APIError.badRequest("secret is required", field: "secret") }
        try await services.access.enableTOTP(userId: principal.userId, secret: secret, code: body.code ?? "")
        return JSONResponse.ok(["totp_enabled": true])
    }

    @Sendable func totpDisable(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try Self.principal(context)
        try await services.access.disableTOTP(userId: principal.userId)
        return JSONResponse.ok(["totp_enabled": false])
    }

    static func principal(_ context: AppRequestContext) throws -> Principal {
        guard let principal = context.principal else { throw APIError(.conflict, "Users are off: start the server with --auth users") }
        return principal
    }

    /// The session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` when the request came over TLS: the server serves
    /// HTTPS itself (``APIServices/servesTLS``), or a trusted proxy says `X-Forwarded-Proto: https` (``AccessMiddleware``
    /// drops the header when the peer is no trusted proxy).
    static func cookie(_ value: String, expires: Date, request: Request, servesTLS: Bool) -> Cookie {
        let secure = servesTLS || request.uri.scheme?.rawValue == "https"
            || request.headers[.xForwardedProto]?.lowercased() == "https"
        return Cookie(name: AccessMiddleware.sessionCookie, value: value, expires: expires, path: "/", secure: secure, httpOnly: true,
                      sameSite: .lax)
    }
}

extension Optional where Wrapped: Sendable {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
