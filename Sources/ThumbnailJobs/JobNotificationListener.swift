import Database
import DataDirectory
import Events
import Logging
import ServiceLifecycle
import TimelapserCore

/// LISTENs for jobs queued by other processes sharing the PostgreSQL database and wakes this process's worker.
public struct JobNotificationListener: Service {
    let database: TimelapserDatabase
    let wake: WakeSignal
    let logger: Logger

    public init(database: TimelapserDatabase, wake: WakeSignal, logger: Logger) {
        self.database = database
        self.wake = wake
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await database.listen(channel: JobStore.wakeChannel) { _ in wake.signal() }
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("job LISTEN failed, retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
