import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import TimelapserCore

/// System-wide thumbnail statistics: coverage and disk usage from the timelapse aggregates, orphans from the last
/// scan, job counts from indexed queries. No disk access and no scan of `images`.
public struct ThumbnailStatistics: Sendable, Equatable {
    public var totals: VariantTotals
    public var jobs: JobSummary
    /// Orphans left by the last repair/cleanup/delete-all scan (nil when no scan has run).
    public var orphanedThumbnails: Int?
    public var orphanedSmalls: Int?
    public var orphanedBytes: Int64?
    public var orphansScannedAt: Date?
}

/// One timelapse's statistics.
public struct TimelapseThumbnailStatistics: Sendable, Equatable {
    public var timelapseId: Int64
    public var totals: VariantTotals
    public var jobs: JobSummary
}

/// What a timelapse-level generate queued.
public struct TimelapseGeneration: Sendable, Equatable {
    public var timelapseId: Int64
    public var jobsQueued: Int
    public var estimatedCompletion: Date
}

/// Statistics from the aggregates: system-wide and per timelapse (no disk access, no scan of `images`).
public struct MaintenanceStatistics: MaintenanceOperation {
    let context: MaintenanceContext

    public func system(now: Date = Date()) async throws -> ThumbnailStatistics {
        let (totals, jobs, orphans) = try await database.read { db in
            (try await MaintenanceStore.totals(db), try await MaintenanceStore.jobSummary(db, since: now - 24 * 3600),
             try await MaintenanceStore.state(db, key: OrphanScanner.orphanStateKey))
        }
        var stats = ThumbnailStatistics(totals: totals, jobs: jobs)
        if let orphans, case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(orphans.value.utf8)) {
            func int(_ key: String) -> Int? { if case .int(let n)? = fields[key] { n } else { nil } }
            stats.orphanedThumbnails = int("thumbnails")
            stats.orphanedSmalls = int("smalls")
            stats.orphanedBytes = int("bytes").map(Int64.init)
            stats.orphansScannedAt = orphans.updatedAt
        }
        return stats
    }

    public func timelapse(_ timelapseId: Int64) async throws -> TimelapseThumbnailStatistics {
        _ = try await requireTimelapse(timelapseId)
        let (totals, jobs) = try await database.read { db in
            (try await MaintenanceStore.totals(db, timelapseId: timelapseId),
             try await MaintenanceStore.timelapseJobSummary(db, timelapseId: timelapseId))
        }
        return TimelapseThumbnailStatistics(timelapseId: timelapseId, totals: totals, jobs: jobs)
    }
}

/// Per-timelapse generation: bulk jobs for one timelapse's images, and what is left of them.
public struct TimelapseThumbnailGeneration: MaintenanceOperation {
    let context: MaintenanceContext

    /// Queues bulk jobs for a timelapse's images: all of them (`force`), or those missing a thumbnail (or, with
    /// `includeSmalls`, a small). Images that already have an active job keep it and are not counted.
    public func enqueue(timelapseId: Int64, force: Bool = true, includeSmalls: Bool = true, now: Date = Date()) async throws -> TimelapseGeneration {
        _ = try await requireTimelapse(timelapseId)
        let missing: Set<VariantKind> = force ? [] : includeSmalls ? [.thumbnail, .small] : [.thumbnail]
        let selection = ImageSelection(timelapseId: timelapseId, missingAny: missing)
        let queued = try await context.queue.enqueueBulk(selection, limit: nil, includeSmalls: includeSmalls, sessionId: nil)
        return TimelapseGeneration(timelapseId: timelapseId, jobsQueued: queued, estimatedCompletion: try await estimatedDrain(now: now))
    }

    /// Jobs still pending or processing for a timelapse's images (the CLI follows a generate run with it).
    public func activeJobs(timelapseId: Int64) async throws -> Int {
        try await database.read { try await MaintenanceStore.activeJobs($0, timelapseId: timelapseId) }
    }

    /// When the queue as it stands now should be empty: waiting jobs × the recent mean job time, spread over
    /// this machine's cores (an estimate: other processes' workers make it sooner).
    func estimatedDrain(now: Date) async throws -> Date {
        let (mean, jobs) = try await database.read { db in
            (try await MaintenanceStore.recentMeanProcessingMs(db), try await MaintenanceStore.jobSummary(db, since: now))
        }
        let perJob = (mean ?? 150) / 1000
        let parallel = Double(max(1, ProcessInfo.processInfo.activeProcessorCount))
        return now + Double(jobs.pending + jobs.processing) * perJob / parallel
    }
}
