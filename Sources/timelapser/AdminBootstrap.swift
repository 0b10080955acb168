import Access
import Foundation
import Logging
import ServiceLifecycle
import TimelapserCore

/// For container setups: with `TIMELAPSER_ADMIN_USERNAME` and `TIMELAPSER_ADMIN_PASSWORD` set and no admin yet,
/// `serve` adds that admin at start (once the database's client runs), then waits for shutdown.
struct AdminBootstrap: Service {
    let access: AccessService
    let username: String
    let password: String
    let logger: Logger

    func run() async throws {
        // Beside the wait for shutdown, never in its way (see DataDirectoryStartupCheck).
        let work = Task { [access, username, password, logger] in
            do {
                if try await access.needsSetup() {
                    try await access.addUser(username: username, password: password, role: .admin)
                    logger.notice("added the admin \(username) from TIMELAPSER_ADMIN_USERNAME")
                }
            } catch {
                logger.error("could not add the admin from TIMELAPSER_ADMIN_USERNAME: \(error)")
            }
        }
        try? await gracefulShutdown()
        work.cancel()
    }
}
