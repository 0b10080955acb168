import Dashboard
import Hummingbird
import TimelapserCore

/// Builds the router with every controller; the one list of routes (the OpenAPI test walks it). Every route is
/// added through ``AccessRoutes`` with who may call it.
public func buildRouter(_ services: APIServices) -> Router<AppRequestContext> {
    buildRouter(services, table: AccessTable())
}

func buildRouter(_ services: APIServices, table: AccessTable) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ErrorEnvelopeMiddleware())
    router.add(middleware: AccessMiddleware(services: services, table: table))
    let api = AccessRoutes(group: router.group("api"), prefix: "/api", table: table)
    let root = AccessRoutes(group: router, prefix: "", table: table)
    HealthController(services: services).addRoutes(to: api)
    CameraController(services: services).addRoutes(to: api)
    TimelapseController(services: services).addRoutes(to: api)
    ImageController(services: services).addRoutes(to: api)
    SettingsController(services: services).addRoutes(to: api)
    CaptureController(services: services).addRoutes(to: api)
    EventsController(services: services).addRoutes(to: api)
    ThumbnailJobsController(services: services).addRoutes(to: api)
    ImageServingController(services: services).addRoutes(to: api)
    MaintenanceController(services: services).addRoutes(to: api)
    VideoController(services: services).addRoutes(to: api)
    WebhookController(services: services).addRoutes(to: api)
    OutageController(services: services).addRoutes(to: api)
    CameraOperationsController(services: services).addRoutes(to: api)
    StorageController(services: services).addRoutes(to: api)
    AuthController(services: services).addRoutes(to: api)
    UserController(services: services).addRoutes(to: api)
    ShareController(services: services).addRoutes(to: api)
    ExportController(services: services).addRoutes(to: api)
    OpenAPIController().addRoutes(to: api)
    DashboardController(assets: DashboardAssets()).addRoutes(to: root)
    MetricsController(services: services).addRoutes(to: root)
    return router
}
