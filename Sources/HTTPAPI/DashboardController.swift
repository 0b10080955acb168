import Dashboard
import Hummingbird
import NIOCore
import TimelapserCore

/// `GET /` (the dashboard page) and `GET /dashboard/{file}` (its scripts and styles).
struct DashboardController {
    let assets: DashboardAssets

    func addRoutes(to routes: AccessRoutes) {
        routes.get("/", .anyone) { _, _ in try serve("index.html") }
        routes.get("dashboard/:file", .anyone) { _, context in try serve(context.parameters.get("file") ?? "") }
    }

    func serve(_ name: String) throws -> Response {
        guard let asset = assets.asset(named: name) else { throw APIError(.notFound, "Not found") }
        return Response(status: .ok, headers: [
            .contentType: asset.contentType, .cacheControl: "no-cache", .init("X-Content-Type-Options")!: "nosniff",
        ], body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
