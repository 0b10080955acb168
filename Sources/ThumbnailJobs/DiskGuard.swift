import CoreMetrics
import Database
import DataDirectory
import Events
import Foundation
import Logging
import ServiceLifecycle
import TimelapserCore

/// The data volume's free space against the `min_free_disk_bytes` reserve, for everything that writes there:
/// ingest refuses captures and the worker defers jobs unless it is `ok`; each fall below is announced once
/// (`disk_low` event, `timelapser_disk_low_total`), and the worker is woken when space returns.
public struct DiskGuard: Sendable {
    let watch: DiskWatch
    let settings: SettingsService
    let events: EventBus
    let wake: WakeSignal
    let logger: Logger

    public init(layout: DataLayout, settings: SettingsService, events: EventBus, wake: WakeSignal, logger: Logger) {
        self.watch = DiskWatch(root: layout.root)
        self.settings = settings
        self.events = events
        self.wake = wake
        self.logger = logger
    }

    /// What the volume says now, with the reserve that applies; announces a fall from `ok`.
    @discardableResult
    public func check() async -> (usage: DiskUsage, status: DiskStatus, reserve: Int64) {
        let current = (try? await settings.current()) ?? Settings()
        let (usage, status, crossed) = watch.check(reserve: { current.diskReserve(totalBytes: $0.totalBytes) },
                                                   headroom: Int64(current.maxUploadBytes))
        let reserve = current.diskReserve(totalBytes: usage.totalBytes)
        if crossed {
            logger.warning("data volume below its free-space reserve: captures refused, thumbnail work waits",
                           metadata: ["status": "\(status.rawValue)", "free_bytes": "\(usage.freeBytes)", "reserve_bytes": "\(reserve)"])
            CoreMetrics.Counter(label: "timelapser_disk_low_total", dimensions: [("status", status.rawValue)]).increment()
            await events.publish(.diskLow(DiskLow(status: status.rawValue, freeBytes: usage.freeBytes,
                                                  totalBytes: usage.totalBytes, reserveBytes: reserve)))
        }
        return (usage, status, reserve)
    }

    /// A write failed for lack of space: `full` until free space is back above the reserve plus one upload.
    public func writeFailed() async {
        watch.markFull()
        await check()
    }

    /// Checks the volume every `interval` and wakes the worker when space has come back, so deferred work resumes
    /// within seconds of space returning.
    public func monitor(interval: Duration = .seconds(5)) -> some Service {
        DiskMonitor(guard: self, interval: interval)
    }
}

struct DiskMonitor: Service {
    let `guard`: DiskGuard
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var last = DiskStatus.ok
            while !Task.isCancelled {
                let status = await `guard`.check().status
                if status == .ok, last != .ok {
                    `guard`.logger.info("data volume back above its free-space reserve: work resumes")
                    `guard`.wake.signal()
                }
                last = status
                try? await Task.sleep(for: interval)
            }
        }
    }
}
