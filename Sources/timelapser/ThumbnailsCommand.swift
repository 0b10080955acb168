import ArgumentParser
import Database
import DataDirectory
import Events
import Foundation
import HTTPAPI
import ImageServing
import Logging
import Maintenance
import ServiceLifecycle
import ThumbnailJobs
import TimelapserCore

/// `timelapser thumbnails …`: the maintenance operations of the API, same services, from a terminal.
struct ThumbnailsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbnails", abstract: "Thumbnail maintenance: stats, verify, repair, cleanup, regenerate, delete-all.",
        subcommands: [Stats.self, Verify.self, Repair.self, Cleanup.self, Regenerate.self, DeleteAll.self])

    /// Options every maintenance subcommand takes.
    struct Output: ParsableArguments {
        @Flag(help: "Print the result as JSON (the API's shape).") var json = false
    }

    /// Builds the services as `serve` does and runs `body` with the database client running.
    static func withMaintenance<R: Sendable>(
        _ options: StorageOptions, _ body: @Sendable (Composition, ThumbnailMaintenance) async throws -> R
    ) async throws -> R {
        let configuration = try options.resolved()
        var logger = Logger(label: "timelapser-thumbnails")
        logger.logLevel = .warning
        let composition = try await Composition.make(configuration, logger: logger, role: .tool)
        let result = try await composition.database.withRunningClient { try await body(composition, composition.maintenance) }
        await composition.database.close()
        return result
    }

    /// Prints `value` as JSON, or `text` for people; the time taken goes to standard error.
    static func emit(_ value: some Encodable, text: String, json: Bool, operation: String, started: ContinuousClock.Instant) {
        if json {
            print(String(decoding: APIJSON.encode(value, pretty: true), as: UTF8.self))
        } else {
            print(text)
        }
        let elapsed = (ContinuousClock.now - started).timeInterval
        FileHandle.standardError.write(Data("\(operation): \(String(format: "%.1f", elapsed * 1000)) ms\n".utf8))
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Coverage, disk usage, orphans (last scan) and job counts.")
        @OptionGroup var options: StorageOptions
        @OptionGroup var output: Output
        @Option(help: "One timelapse's statistics.") var timelapse: Int64?

        func run() async throws {
            let (json, timelapse) = (output.json, timelapse)
            try await withMaintenance(options) { _, maintenance in
                let started = ContinuousClock.now
                if let timelapse {
                    let s = try await maintenance.statistics.timelapse(timelapse)
                    emit(TimelapseStatisticsResponse(s), text: """
                        timelapse \(timelapse): \(s.totals.images) images, \(s.totals.thumbnails) thumbnails, \(s.totals.smalls) smalls
                        disk: thumbnails \(bytes(s.totals.thumbnailBytes)), smalls \(bytes(s.totals.smallBytes))
                        jobs: \(s.jobs.pending) pending, \(s.jobs.processing) processing
                        """, json: json, operation: "stats", started: started)
                } else {
                    let s = try await maintenance.statistics.system()
                    let orphans = s.orphanedThumbnails.map { "\($0) thumbnails, \(s.orphanedSmalls ?? 0) smalls (last scan)" } ?? "not scanned yet"
                    emit(StatisticsResponse(s), text: """
                        images: \(s.totals.images) in \(s.totals.timelapses) timelapses
                        thumbnails: \(s.totals.thumbnails) (\(bytes(s.totals.thumbnailBytes))), smalls: \(s.totals.smalls) (\(bytes(s.totals.smallBytes)))
                        orphans: \(orphans)
                        jobs: \(s.jobs.pending) pending, \(s.jobs.processing) processing, \(s.jobs.completedSince) completed and \(s.jobs.failedSince) failed in 24 h
                        """, json: json, operation: "stats", started: started)
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every variant file; clear missing ones; rewrite counts.")
        @OptionGroup var options: StorageOptions
        @OptionGroup var output: Output
        @Option(help: "Only this timelapse.") var timelapse: Int64?
        @Flag(help: "Also decode every file (slower).") var deep = false

        func run() async throws {
            let (json, timelapse, deep) = (output.json, timelapse, deep)
            try await withMaintenance(options) { _, maintenance in
                let started = ContinuousClock.now
                let report = try await maintenance.verifier.verify(timelapseId: timelapse, deep: deep)
                let rate = report.elapsedSeconds > 0 ? Double(report.totalImages) / report.elapsedSeconds : 0
                emit(VerificationResponse(report), text: """
                    \(report.message)
                    cleared \(report.clearedThumbnails) thumbnail and \(report.clearedSmalls) small paths; counts \(report.countsUpdated ? "rewritten" : "were right")
                    \(report.totalImages) images in \(String(format: "%.2f", report.elapsedSeconds)) s (\(Int(rate)) images/s)
                    """, json: json, operation: "verify", started: started)
            }
        }
    }

    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link orphaned variant files back to their images; delete those matching none.")
        @OptionGroup var options: StorageOptions
        @OptionGroup var output: Output
        @Flag(help: "Go ahead even when more than cleanup_max_delete_percent of the variant files would be deleted.")
        var force = false

        func run() async throws {
            let (json, force) = (output.json, force)
            try await withMaintenance(options) { _, maintenance in
                let started = ContinuousClock.now
                let r = try await maintenance.repair.run(force: force)
                emit(RepairResponse(r), text: """
                    \(r.orphanedFilesFound) orphaned files: \(r.filesMatched) linked back (\(r.databaseRecordsUpdated) images, \(r.timelapsesAffected) timelapses), \(r.filesDeleted) deleted (\(bytes(r.bytesFreed)))
                    """, json: json, operation: "repair", started: started)
            }
        }
    }

    struct Cleanup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete orphaned variant files that match no image.")
        @OptionGroup var options: StorageOptions
        @OptionGroup var output: Output
        @Flag(name: .customLong("dry-run"), help: "Only list what would be deleted.") var dryRun = false
        @Flag(help: "Go ahead even when more than cleanup_max_delete_percent of the variant files would be deleted.")
        var force = false

        func run() async throws {
            let (json, dryRun, force) = (output.json, dryRun, force)
            try await withMaintenance(options) { _, maintenance in
                let started = ContinuousClock.now
                let r = try await maintenance.cleanup.run(dryRun: dryRun, force: force)
                var lines = ["\(r.orphanedFilesFound) orphaned files (\(r.matchableFiles) can be linked back by `repair`), "
                    + (dryRun ? "\(r.deletableFiles) would be deleted (\(bytes(r.deletableBytes)))"
                              : "\(r.filesDeleted) deleted (\(bytes(r.bytesFreed)))")]
                lines += r.files.map { "  \($0.path)\($0.isSymlink ? " (symlink)" : "")\($0.matchesImageId.map { " → image \($0)" } ?? "")" }
                emit(CleanupResponse(r), text: lines.joined(separator: "\n"), json: json, operation: "cleanup", started: started)
            }
        }
    }

    struct DeleteAll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete-all",
                                                        abstract: "Delete every thumbnail and small; frames are kept.")
        @OptionGroup var options: StorageOptions
        @OptionGroup var output: Output
        @Flag(help: "Confirm: without it nothing is deleted.") var yes = false

        func run() async throws {
            guard yes else { throw ValidationError("delete-all removes every thumbnail and small: pass --yes to confirm") }
            let json = output.json
            try await withMaintenance(options) { _, maintenance in
                let started = ContinuousClock.now
                let r = try await maintenance.deletion.run(confirmed: true)
                emit(DeleteAllResponse(r), text: "deleted \(r.thumbnailsDeleted) thumbnails and \(r.smallsDeleted) smalls (\(bytes(r.bytesFreed)))",
                     json: json, operation: "delete-all", started: started)
            }
        }
    }

    static func bytes(_ n: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: n, countStyle: .binary)
    }
}

extension ThumbnailsCommand {
    /// Queues regeneration and follows it. A CLI has no worker of its own: by default it waits while a server's
    /// (or `timelapser worker`'s) worker processes the jobs; `--process` runs a worker in this process until the
    /// jobs are done; `--detach` only queues.
    struct Regenerate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Regenerate thumbnails (all, or one timelapse) and follow progress.")
        @OptionGroup var options: StorageOptions
        @OptionGroup var output: Output
        @Option(help: "Only this timelapse's images (no session: bulk jobs for the timelapse).") var timelapse: Int64?
        @Flag(name: .customLong("missing-only"), help: "Only images missing a variant (default: every image).") var missingOnly = false
        @Option(help: "At most this many images.") var limit: Int?
        @Flag(help: "Run a thumbnail worker in this process until the jobs are done.") var process = false
        @Flag(help: "Queue and return at once.") var detach = false

        func run() async throws {
            let (json, timelapse, missingOnly, limit, process, detach) = (output.json, timelapse, missingOnly, limit, process, detach)
            try await withMaintenance(options) { composition, maintenance in
                let started = ContinuousClock.now
                let follow: @Sendable () async throws -> Void
                if let timelapse {
                    let queued = try await maintenance.generation.enqueue(timelapseId: timelapse, force: !missingOnly)
                    if !json { print("queued \(queued.jobsQueued) jobs for timelapse \(timelapse)") }
                    follow = {
                        try await Self.followTimelapse(composition, timelapse: timelapse, total: queued.jobsQueued, json: json)
                        emit(GenerationResponse(queued), text: "done", json: json, operation: "regenerate", started: started)
                    }
                } else {
                    let start = try await maintenance.regeneration.start(force: !missingOnly, limit: limit)
                    if !json { print("session \(start.sessionId): \(start.jobsQueued) jobs queued, \(start.skippedWithActiveJob) images already had a job") }
                    follow = {
                        let final = try await Self.followSession(maintenance, json: json)
                        emit(RegenerationStatusResponse(final), text: "session \(start.sessionId) \(final.status?.rawValue ?? "ended"): "
                             + "\(final.completed) completed, \(final.failed) failed, \(final.cancelled) cancelled",
                             json: json, operation: "regenerate", started: started)
                    }
                }
                if detach { return }
                if process { try await Self.runWorker(composition, while: follow) } else { try await follow() }
            }
        }

        /// Runs `body` with this process's thumbnail worker running, then stops the worker gracefully.
        static func runWorker(_ composition: Composition, while body: @Sendable () async throws -> Void) async throws {
            let group = ServiceGroup(services: [composition.worker], gracefulShutdownSignals: [.sigint, .sigterm],
                                     logger: composition.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    try await body()
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }

        static func followSession(_ maintenance: ThumbnailMaintenance, json: Bool) async throws -> RegenerationProgress {
            let bar = ProgressBar(quiet: json)
            while true {
                let status = try await maintenance.regeneration.status()
                bar.show(done: status.finished, total: status.total, rate: status.ratePerSecond)
                if !status.active {
                    bar.finish()
                    return status
                }
                try await Task.sleep(for: .milliseconds(250))
            }
        }

        static func followTimelapse(_ composition: Composition, timelapse: Int64, total: Int, json: Bool) async throws {
            let bar = ProgressBar(quiet: json)
            while true {
                let active = try await composition.maintenance.generation.activeJobs(timelapseId: timelapse)
                bar.show(done: max(0, total - active), total: total, rate: nil)
                if active == 0 { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            bar.finish()
        }
    }
}
