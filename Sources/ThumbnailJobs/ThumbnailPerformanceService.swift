import Database
import DataDirectory
import Foundation
import TimelapserCore

/// Generation-time statistics, slow-generation findings and recommendations, from the recorded `processing_time_ms` of recent jobs.
public struct ThumbnailPerformanceService: Sendable {
    let database: TimelapserDatabase
    let settings: SettingsService

    public init(database: TimelapserDatabase, settings: SettingsService) {
        self.database = database
        self.settings = settings
    }

    public struct Report: Sendable {
        public var windowHours: Int
        public var completed: Int
        public var failed: Int
        public var successRate: Double?
        public var p50Ms: Int?
        public var p95Ms: Int?
        public var maxMs: Int?
        public var pending: Int
        public var findings: [String]
        public var recommendations: [String]
    }

    /// Slower than this, a single frame's variants are worth a look.
    static let slowMs = 2000

    public func report(windowHours: Int = 24, now: Date = Date()) async throws -> Report {
        let since = now - TimeInterval(windowHours) * 3600
        let (times, finished, counts) = try await database.read { db in
            (try await JobStore.processingTimes(db, since: since), try await JobStore.finishedSince(db, since: since),
             try await JobStore.counts(db))
        }
        let current = try await settings.current()
        var report = Report(windowHours: windowHours, completed: finished.completed, failed: finished.failed,
                            successRate: nil, p50Ms: Self.percentile(times, 0.50), p95Ms: Self.percentile(times, 0.95),
                            maxMs: times.last, pending: counts.pending, findings: [], recommendations: [])
        let total = finished.completed + finished.failed
        if total > 0 { report.successRate = Double(finished.completed) / Double(total) }
        if let p95 = report.p95Ms, p95 > Self.slowMs {
            report.findings.append("95% of jobs take up to \(p95) ms; frames this slow are usually very large sources or a slow disk.")
            if current.smallGenerationMode == .all {
                report.recommendations.append("Set small_generation_mode to latest_only to skip most 800×600 smalls.")
            }
        }
        if let rate = report.successRate, rate < 0.95 {
            report.findings.append("\(finished.failed) of \(total) jobs failed in the last \(windowHours) h.")
            report.recommendations.append("Check GET /api/thumbnails/jobs?status=failed for the reasons.")
        }
        if counts.pending > 1000 {
            report.findings.append("\(counts.pending) jobs are waiting.")
            report.recommendations.append("Run more workers (--workers, or `timelapser worker` processes on PostgreSQL).")
        }
        if current.thumbnailQuality > 90 || current.smallQuality > 92 {
            report.recommendations.append("Qualities above 90 cost disk and encode time for little visible gain at these sizes.")
        }
        return report
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Int], _ p: Double) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
