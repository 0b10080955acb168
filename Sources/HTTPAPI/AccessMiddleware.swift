import Access
import Database
import Foundation
import Hummingbird
import TimelapserCore

/// Decides every request by the route's declared ``RouteAccess`` and the server's ``AuthMode``:
/// - `none`: everything passes;
/// - `token`: writes under `/api/` need `Authorization: Bearer <--api-token>` (the behaviour before users);
/// - `users`: a session cookie or a user's API token is authenticated; anonymous clients get 401 on every route
///   that is not `anyone`, a principal whose role (or token scope) does not reach the route's gets 403, and an
///   unsafe method authenticated by a cookie must come from the server's own origin (CSRF), else 403.
/// A matched route without a declaration is refused (403): access fails closed.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let services: APIServices
    let table: AccessTable

    static let sessionCookie = "timelapser_session"

    /// The request without the forwarding headers a client that is not a trusted proxy may have made up, so that
    /// nothing after this middleware (the session cookie's `Secure`) believes them.
    static func withoutForwarding(_ request: Request) -> Request {
        guard request.headers[.xForwardedFor] != nil || request.headers[.xForwardedProto] != nil else { return request }
        var head = request.head
        head.headerFields[.xForwardedFor] = nil
        head.headerFields[.xForwardedProto] = nil
        return Request(head: head, body: request.body)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context, request = request
        let peer = context.clientAddress
        context.clientAddress = ClientAddress.resolve(peer: peer, forwardedFor: request.headers[.xForwardedFor],
                                                      trusted: services.trustedProxies)
        if !ClientAddress.isTrusted(peer, trusted: services.trustedProxies) { request = Self.withoutForwarding(request) }
        guard let access = table.access(request.method, endpointPath: context.endpointPath ?? "") else {
            return APIError(.forbidden, "This route declares no access rule").response
        }
        switch services.authMode {
        case .none:
            return try await next(request, context)
        case .token:
            return try await tokenMode(request, context: context, next: next)
        case .users:
            return try await usersMode(request, context: context, access: access, next: next)
        }
    }

    func tokenMode(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = services.apiToken, !request.method.isSafe, request.uri.path.hasPrefix("/api/") else {
            return try await next(request, context)
        }
        guard Self.constantTimeEquals(request.headers[.authorization] ?? "", "Bearer " + token) else {
            return Self.unauthorized("Missing or wrong API token")
        }
        return try await next(request, context)
    }

    func usersMode(_ request: Request, context: Context, access: RouteAccess,
                   next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let cookieAuthenticated: Bool
        if let bearer = Self.bearer(request) {
            context.principal = try await services.access.principal(bearer: bearer)
            cookieAuthenticated = false
            if context.principal == nil { return Self.unauthorized("Unknown or revoked API token") }
        } else if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty {
            context.principal = try await services.access.principal(sessionCookie: cookie)
            cookieAuthenticated = context.principal != nil
        } else {
            cookieAuthenticated = false
        }
        // A cookie-authenticated write, or a sign-in that names a foreign origin, must come from this server's
        // pages (CSRF, including signing someone out or in from another site).
        let signIn = request.uri.path == "/api/auth/login" && request.headers[.origin] != nil
        if (cookieAuthenticated || signIn), !request.method.isSafe, !Self.sameOrigin(request) {
            return APIError(.forbidden, "Cross-origin request refused (the Origin header must be this server's)").response
        }
        if access == .anyone {
            var response = try await next(request, context)
            // Who is signed in is nobody else's business: /api/auth answers are never stored.
            if request.uri.path.hasPrefix("/api/auth/") { response.headers[.cacheControl] = "no-store" }
            return response
        }
        if try await services.access.needsSetup() {
            return APIError(.serviceUnavailable, "No admin exists yet: run `timelapser users add NAME --role admin` on the server",
                            details: ["setup_required": .bool(true)]).response
        }
        if access == .metrics, try await services.settings.current().publicMetrics { return try await next(request, context) }
        guard let principal = context.principal else { return Self.unauthorized("Sign in first") }
        guard Self.allows(principal, access: access, request: request, context: context) else {
            return APIError(.forbidden, "Your role (\(principal.role.rawValue)) or token may not do this").response
        }
        var response = try await next(request, context)
        if !request.method.isSafe { await services.audit.record(principal, request: request, status: response.status, context: context,
                                                                          settings: services.settings) }
        Self.keepPrivate(&response)
        return response
    }

    /// What a signed-in user was answered is theirs alone: no shared cache may keep it (an image's
    /// `public, immutable` becomes `private, immutable`), and what has no caching rule is not stored at all, so the
    /// Back button after signing out shows nothing private.
    static func keepPrivate(_ response: inout Response) {
        if let rule = response.headers[.cacheControl] {
            response.headers[.cacheControl] = rule.replacingOccurrences(of: "public", with: "private")
        } else {
            response.headers[.cacheControl] = "no-store"
        }
    }

    /// Whether a principal's role and credential reach a route's access.
    static func allows(_ principal: Principal, access: RouteAccess, request: Request, context: Context) -> Bool {
        if access == .capture, let cameraId = context.parameters.get("id", as: Int64.self) {
            return principal.mayCapture(cameraId: cameraId)
        }
        guard let role = access.role, principal.role >= role else { return access.role == nil }
        return request.method.isSafe ? principal.mayRead : principal.mayWrite
    }

    static func bearer(_ request: Request) -> String? { bearer(request.head) }

    /// The token of `Authorization: Bearer …` (also read by the fast image path, before the router).
    static func bearer(_ head: HTTPRequest) -> String? {
        guard let header = head.headerFields[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The request's `Origin` (else `Referer`) names this server (its `Host`).
    static func sameOrigin(_ request: Request) -> Bool {
        guard let host = request.head.authority else { return false }
        let origin = request.headers[.origin] ?? request.headers[.referer]
        guard let origin, let url = URL(string: origin), let originHost = url.host else { return false }
        let port = url.port.map { ":\($0)" } ?? ""
        return (originHost + port).lowercased() == host.lowercased()
    }

    static func unauthorized(_ message: String) -> Response {
        var response = APIError(.unauthorized, message).response
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<max(x.count, y.count) {
            diff |= Int((i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0))
        }
        return diff == 0
    }
}

extension HTTPRequest.Method {
    /// GET and HEAD: methods that change nothing.
    var isSafe: Bool { self == .get || self == .head }
}
