import Database
import Foundation
import TimelapserCore

/// What a bulk job would cost before it is queued (`dry_run=true`): how many jobs, how long, how many bytes of
/// variants they write. From measured rates when there are any: the mean time of recent jobs, the mean size of
/// the variants stored now.
public struct BulkWorkEstimate: Sendable, Equatable, Codable {
    public var jobsToQueue: Int
    /// The jobs' generation time spread over this machine's cores (other processes' workers make it sooner).
    public var estimatedSeconds: Double
    /// Bytes of the thumbnails and smalls the jobs write.
    public var estimatedBytes: Int64
    /// `measured` when both rates come from this catalogue, else `default` (a fresh one has measured nothing yet).
    public var basis: String
}

extension MaintenanceOperation {
    /// Sizes a bulk job over `selection` (at most `limit` images).
    func estimate(_ selection: ImageSelection, limit: Int?, includeSmalls: Bool) async throws -> BulkWorkEstimate {
        let (count, mean, totals) = try await database.read { db in
            (try await MaintenanceStore.countImages(db, selection), try await MaintenanceStore.recentMeanProcessingMs(db),
             try await MaintenanceStore.totals(db))
        }
        let jobs = min(count, limit ?? .max)
        let mode = try await settings.current().smallGenerationMode
        let makesSmalls = includeSmalls && mode != .none
        // Without a measurement: a typical job and typical JPEG sizes at the default qualities.
        let thumbnail = totals.thumbnails > 0 ? Double(totals.thumbnailBytes) / Double(totals.thumbnails) : 9_000
        let small = totals.smalls > 0 ? Double(totals.smallBytes) / Double(totals.smalls) : 70_000
        let perJob = (mean ?? 150) / 1000
        let cores = Double(max(1, ProcessInfo.processInfo.activeProcessorCount))
        let measured = mean != nil && totals.thumbnails > 0 && (!makesSmalls || totals.smalls > 0)
        return BulkWorkEstimate(jobsToQueue: jobs, estimatedSeconds: (Double(jobs) * perJob / cores * 10).rounded() / 10,
                                estimatedBytes: Int64((Double(jobs) * (thumbnail + (makesSmalls ? small : 0))).rounded()),
                                basis: measured ? "measured" : "default")
    }
}

extension RegenerationSessions {
    /// What ``start(force:limit:)`` would queue, without queuing it.
    public func estimate(force: Bool, limit: Int?) async throws -> BulkWorkEstimate {
        let mode = try await settings.current().smallGenerationMode
        return try await estimate(Self.regenerationSelection(force: force, mode: mode), limit: limit, includeSmalls: true)
    }
}

extension TimelapseThumbnailGeneration {
    /// What ``enqueue(timelapseId:force:includeSmalls:now:)`` would queue, without queuing it.
    public func estimate(timelapseId: Int64, force: Bool, includeSmalls: Bool) async throws -> BulkWorkEstimate {
        _ = try await requireTimelapse(timelapseId)
        let missing: Set<VariantKind> = force ? [] : includeSmalls ? [.thumbnail, .small] : [.thumbnail]
        return try await estimate(ImageSelection(timelapseId: timelapseId, missingAny: missing), limit: nil, includeSmalls: includeSmalls)
    }
}
