import Hummingbird

/// Thumbnail maintenance: statistics, regenerate-all, verify, repair, cleanup, delete-all.
struct MaintenanceController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {}
}

extension OpenAPIDocument {
    static let maintenanceOperations: [APIOperation] = []
}
