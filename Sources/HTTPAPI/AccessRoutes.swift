import Access
import Hummingbird
import Synchronization
import TimelapserCore

/// Who may call a route, declared with the route itself (``AccessRoutes``).
enum RouteAccess: String, Sendable, CaseIterable {
    /// Anyone, signed in or not: health, the OpenAPI document, the dashboard's shell and assets, login.
    case anyone
    /// Any signed-in user (a token needs `read` or `write`).
    case viewer
    /// Operators and admins (a token needs `write`).
    case `operator`
    /// Admins only (a token needs `write`).
    case admin
    /// Operators and admins, or a token scoped `capture:{id}` of the camera in the path (a camera pushing frames).
    case capture
    /// Anyone when the `public_metrics` setting is on, else any signed-in user.
    case metrics

    /// The least role the route needs (nil: none).
    var role: Role? {
        switch self {
        case .anyone: nil
        case .viewer, .metrics: .viewer
        case .operator, .capture: .operator
        case .admin: .admin
        }
    }
}

/// Every route's declared access, by method and path (`GET /api/cameras/{id}`): the access middleware looks the
/// matched route up in it, and a test walks the router against it.
final class AccessTable: Sendable {
    private let rules = Mutex<[String: RouteAccess]>([:])

    static func key(_ method: HTTPRequest.Method, _ path: String) -> String {
        let parts = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
        return "\(method.rawValue) /" + parts.joined(separator: "/")
    }

    func declare(_ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess) {
        rules.withLock { $0[Self.key(method, path)] = access }
    }

    /// The access of a route as the router matched it (`context.endpointPath`), nil when undeclared.
    func access(_ method: HTTPRequest.Method, endpointPath: String) -> RouteAccess? {
        rules.withLock { $0[Self.key(method, endpointPath)] }
    }

    /// Every declaration, for the route × role test.
    var all: [String: RouteAccess] { rules.withLock { $0 } }
}

/// A router group that takes each route with its access: the only way routes are added, so none lacks one.
struct AccessRoutes {
    let group: any RouterMethods<AppRequestContext>
    /// The group's path from the root (`/api`), for the table.
    let prefix: String
    let table: AccessTable

    typealias Handler<Output> = @Sendable (Request, AppRequestContext) async throws -> Output

    private func on<Output: ResponseGenerator>(_ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess,
                                               _ handler: @escaping Handler<Output>) {
        table.declare(method, prefix + "/" + path, access)
        group.on(RouterPath(path), method: method, use: handler)
    }

    func get<Output: ResponseGenerator>(_ path: String, _ access: RouteAccess, use handler: @escaping Handler<Output>) {
        on(.get, path, access, handler)
    }

    func head<Output: ResponseGenerator>(_ path: String, _ access: RouteAccess, use handler: @escaping Handler<Output>) {
        on(.head, path, access, handler)
    }

    func post<Output: ResponseGenerator>(_ path: String, _ access: RouteAccess, use handler: @escaping Handler<Output>) {
        on(.post, path, access, handler)
    }

    func put<Output: ResponseGenerator>(_ path: String, _ access: RouteAccess, use handler: @escaping Handler<Output>) {
        on(.put, path, access, handler)
    }

    func patch<Output: ResponseGenerator>(_ path: String, _ access: RouteAccess, use handler: @escaping Handler<Output>) {
        on(.patch, path, access, handler)
    }

    func delete<Output: ResponseGenerator>(_ path: String, _ access: RouteAccess, use handler: @escaping Handler<Output>) {
        on(.delete, path, access, handler)
    }
}
