import Database
import Events
import Foundation
import Logging
import Synchronization
import TimelapserCore

/// Turns each camera's grab outcomes into outages stored as spans: a camera is down after `outage_after_failures`
/// failed grabs in a row (the outage starts at the first of them) and up at the next success.
///
/// The time of a run's first failed grab is kept in memory; a run that began before this process took the camera
/// over starts at the last failed grab the camera row knows of.
public final class OutageLog: Sendable {
    let settings: SettingsService
    let events: EventBus
    let logger: Logger
    private let runStarts = Mutex<[Int64: Date]>([:])

    public init(settings: SettingsService, events: EventBus, logger: Logger) {
        self.settings = settings
        self.events = events
        self.logger = logger
    }

    /// What a grab changed: an outage opened or closed.
    enum Change: Sendable {
        case offline(OutageRecord)
        case online(OutageRecord)
    }

    /// Failed grabs in a row that make an outage (read before the transaction that records the grab).
    func threshold() async -> Int {
        do { return try await settings.current().outageAfterFailures } catch {
            return Settings().outageAfterFailures
        }
    }

    /// Records one grab of `camera` (its row as it was before this grab) inside the transaction that records it
    /// on the camera row; returns what to publish once that transaction has committed.
    func record(_ db: DatabaseConnection, before camera: CameraRecord?, error: String?, threshold: Int,
                at now: Date) async throws -> Change? {
        guard let camera else { return nil }
        guard let error else {
            runStarts.withLock { $0[camera.id] = nil }
            guard let open = try await OutageStore.openOutage(db, cameraId: camera.id),
                  let closed = try await OutageStore.close(db, id: open.id, at: now) else { return nil }
            return .online(closed)
        }
        let failures = camera.consecutiveFailures + 1
        let runStart = runStarts.withLock { starts in
            if camera.consecutiveFailures == 0 || starts[camera.id] == nil {
                starts[camera.id] = camera.consecutiveFailures == 0 ? now : (camera.lastCaptureAt ?? now)
            }
            return starts[camera.id]!
        }
        if let open = try await OutageStore.openOutage(db, cameraId: camera.id) {
            try await OutageStore.recordFailure(db, id: open.id, failedGrabs: max(failures, open.failedGrabs + 1), lastError: error)
            return nil
        }
        guard failures >= threshold else { return nil }
        return .offline(try await OutageStore.open(db, cameraId: camera.id, startedAt: runStart, failedGrabs: failures, lastError: error))
    }

    /// Publishes `camera_offline` or `camera_online`.
    func publish(_ change: Change?) async {
        switch change {
        case .offline(let outage):
            logger.warning("camera offline", metadata: ["camera_id": "\(outage.cameraId)", "failed_grabs": "\(outage.failedGrabs)"])
            await events.publish(.cameraOffline(Self.payload(outage)))
        case .online(let outage):
            logger.info("camera online", metadata: ["camera_id": "\(outage.cameraId)", "failed_grabs": "\(outage.failedGrabs)"])
            await events.publish(.cameraOnline(Self.payload(outage)))
        case nil:
            break
        }
    }

    static func payload(_ outage: OutageRecord) -> CameraOutageChanged {
        CameraOutageChanged(cameraId: outage.cameraId, outageId: outage.id, startedAt: outage.startedAt, endedAt: outage.endedAt,
                            failedGrabs: outage.failedGrabs, lastError: outage.lastError.map(CredentialMask.maskURLs))
    }
}
