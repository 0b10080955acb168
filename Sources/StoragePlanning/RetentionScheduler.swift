import Database
import Foundation
import Logging
import ServiceLifecycle
import TimelapserCore

/// Applies the enabled retention policies once per `interval` (a day by default). The last run is read from the
/// database, so a server restarted more often than that still runs it, and a second server sharing the database
/// finds the run done.
public struct RetentionScheduler: Service {
    let retention: RetentionService
    let interval: Duration
    let logger: Logger

    public init(retention: RetentionService, interval: Duration = .seconds(86_400), logger: Logger) {
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Checked at most every 10 minutes (sooner when the interval is shorter), so a due run is never late by more.
        let check = min(interval, .seconds(600))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await tick(now: Date())
            } catch {
                logger.error("retention: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: check) }
        }
    }

    /// Runs retention when it is due and some policy is on; public so tests can drive time.
    public func tick(now: Date) async throws {
        guard try await retention.anyEnabled() else { return }
        let last = try await retention.database.read { try await StorageStore.lastRun($0) }
        if let last, now.timeIntervalSince(last) < interval.timeInterval { return }
        try await retention.apply(now: now)
    }
}
