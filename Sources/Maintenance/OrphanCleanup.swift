import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import TimelapserCore

/// One orphan as a cleanup lists it.
public struct OrphanListing: Sendable, Equatable {
    public var path: String
    public var kind: VariantKind
    public var size: Int64
    public var isSymlink: Bool
    /// The image it would be linked to by a repair (cleanup leaves these alone).
    public var matchesImageId: Int64?
}

/// What a cleanup found and (unless a dry run) deleted.
public struct CleanupReport: Sendable, Equatable {
    public var orphanedFilesFound = 0
    public var orphanedThumbnails = 0
    public var orphanedSmalls = 0
    /// Orphans that match an image: left for `repair`, never deleted by cleanup.
    public var matchableFiles = 0
    /// Orphans that match no image: what cleanup deletes.
    public var deletableFiles = 0
    public var deletableBytes: Int64 = 0
    public var filesDeleted = 0
    public var bytesFreed: Int64 = 0
    public var dryRun = true
    /// The first ``OrphanCleanup/listingLimit`` orphans.
    public var files: [OrphanListing] = []
}

/// Cleanup: orphaned variant files that match no image are listed (dry run) or deleted.
public struct OrphanCleanup: MaintenanceOperation {
    let context: MaintenanceContext
    public static let listingLimit = 100
    var scanner: OrphanScanner { OrphanScanner(context: context) }

    /// Deletes the orphaned variant files that match no image (a dry run only lists them). Only names matching
    /// the variant pattern, only inside `thumbnails/` and `smalls/`, never through a symlink, each re-checked
    /// against the database right before it is unlinked.
    ///
    /// Refused (nothing listed, nothing deleted) when the data directory is not the database's: there every file
    /// would look orphaned, so even a dry run's listing would mislead. A real run that would delete more than
    /// `cleanup_max_delete_percent` of the variant files scanned is refused unless `force`; a dry run only reports.
    public func run(dryRun: Bool, force: Bool = false) async throws -> CleanupReport {
        try await context.dataDirectory.require(for: "cleanup")
        let handles = FolderHandles(root: layout.root)
        let scan = try await scanner.scanOrphans(handles)
        let orphans = scan.orphans
        var report = CleanupReport(dryRun: dryRun)
        report.orphanedFilesFound = orphans.count
        report.orphanedThumbnails = orphans.filter { $0.file.kind == .thumbnail }.count
        report.orphanedSmalls = orphans.count - report.orphanedThumbnails
        report.matchableFiles = orphans.filter { $0.match != nil }.count
        let deletable = orphans.filter { $0.match == nil }
        report.deletableFiles = deletable.count
        report.deletableBytes = deletable.reduce(0) { $0 + ($1.isSymlink ? 0 : $1.size) }
        report.files = orphans.prefix(Self.listingLimit).map {
            OrphanListing(path: $0.file.relativePath, kind: $0.file.kind, size: $0.size, isSymlink: $0.isSymlink, matchesImageId: $0.match)
        }
        if !dryRun {
            try await scanner.requireWithinDeletionLimit(deletable.count, of: scan, operation: "cleanup", force: force)
        }
        var remaining = orphans.filter { $0.match != nil }
        if dryRun {
            remaining = orphans
        } else {
            for orphan in deletable {
                if try await scanner.unlinkOrphan(orphan, handles: handles) {
                    report.filesDeleted += 1
                    report.bytesFreed += orphan.isSymlink ? 0 : orphan.size
                } else {
                    remaining.append(orphan)
                }
            }
        }
        try await scanner.recordOrphans(remaining)
        await events.publish(.thumbnailsCleaned(ThumbnailsCleaned(
            orphanedFilesFound: report.orphanedFilesFound, filesDeleted: report.filesDeleted, bytesFreed: Int64(report.bytesFreed),
            dryRun: dryRun)))
        return report
    }
}
