import Hummingbird

/// Image serving: variants with the fallback cascade and HTTP caching (API.md "Serving").
struct ImageServingController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {}
}

extension OpenAPIDocument {
    static let servingOperations: [APIOperation] = []
}
