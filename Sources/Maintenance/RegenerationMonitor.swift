import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import Logging
import ServiceLifecycle
import TimelapserCore

/// Watches the active regenerate-all session: publishes `thumbnail_regeneration_progress` at most every
/// `interval` (only when something changed) and ends the session when its last job finishes. The session lives
/// in the database, so this works whichever process (or host) runs the jobs.
public struct RegenerationMonitor: Service {
    let maintenance: ThumbnailMaintenance
    let interval: Duration
    let idleInterval: Duration

    public init(maintenance: ThumbnailMaintenance, interval: Duration = .milliseconds(250), idleInterval: Duration = .seconds(1)) {
        self.maintenance = maintenance
        self.interval = interval
        self.idleInterval = idleInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var last: (session: Int64, finished: Int, processing: Int)?
            while !Task.isCancelled {
                var pause = idleInterval
                do {
                    let started = ContinuousClock.now
                    if let seen = try await tick(last: last) {
                        last = seen
                        // A big session's count query costs more: keep it under a quarter of the time.
                        pause = max(interval, (ContinuousClock.now - started) * 4)
                    }
                } catch {
                    maintenance.regeneration.logger.warning("regeneration monitor check failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: pause)
            }
        }
    }

    /// One check; returns what was seen of an active session (nil when none is active).
    func tick(last: (session: Int64, finished: Int, processing: Int)?) async throws -> (session: Int64, finished: Int, processing: Int)? {
        guard let session = try await maintenance.regeneration.database.read({ try await RegenerationSessionStore.fetchActive($0) }),
              session.total >= 0 else { return nil }
        if try await maintenance.regeneration.finishIfDone(sessionId: session.id) != nil { return nil }
        let progress = try await maintenance.regeneration.progress(of: session)
        let seen = (session.id, progress.finished, progress.processing)
        if let last, last == seen { return seen }
        await maintenance.regeneration.events.publish(.regenerationProgress(RegenerationProgressed(
            sessionId: session.id, total: progress.total, completed: progress.completed, failed: progress.failed,
            cancelled: progress.cancelled, pending: progress.pending, processing: progress.processing,
            progressPercent: progress.progressPercent, ratePerSecond: progress.ratePerSecond,
            estimatedCompletion: progress.estimatedCompletion)))
        return seen
    }
}
