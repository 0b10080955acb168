import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import TimelapserCore

/// What a repair did.
public struct RepairReport: Sendable, Equatable {
    public var orphanedFilesFound = 0
    /// Orphans linked back to their image (path and size set).
    public var filesMatched = 0
    /// Orphans that match no image (or are no sound JPEG, or a symlink), deleted.
    public var filesDeleted = 0
    public var bytesFreed: Int64 = 0
    /// Image rows whose variant columns were set.
    public var databaseRecordsUpdated = 0
    public var timelapsesAffected = 0
}

/// Repair: orphaned variant files linked back to their images, the rest deleted.
public struct OrphanRepair: MaintenanceOperation {
    let context: MaintenanceContext
    var scanner: OrphanScanner { OrphanScanner(context: context) }

    /// Scans every variant folder, links each orphan back to its image through the image's stored frame path
    /// (path and size set, generation bumped), deletes the orphans that match no image under the cleanup
    /// rules, then rewrites the affected timelapses' counts from the rows.
    ///
    /// Refused when the data directory is not the database's, and (before anything is linked or deleted) when it
    /// would delete more than `cleanup_max_delete_percent` of the variant files scanned, unless `force`.
    public func run(force: Bool = false) async throws -> RepairReport {
        try await context.dataDirectory.require(for: "repair")
        let handles = FolderHandles(root: layout.root)
        let scan = try await scanner.scanOrphans(handles)
        let orphans = scan.orphans
        try await scanner.requireWithinDeletionLimit(orphans.filter { $0.match == nil }.count, of: scan, operation: "repair", force: force)
        var report = RepairReport(orphanedFilesFound: orphans.count)
        var images = Set<Int64>()
        var timelapses = Set<Int64>()
        var remaining: [Orphan] = []
        let linkable = orphans.filter { $0.match != nil }
        for chunk in stride(from: 0, to: linkable.count, by: 2000).map({ Array(linkable[$0..<min($0 + 2000, linkable.count)]) }) {
            let linked = try await database.transaction { db in
                var linked: [Orphan] = []
                for kind in VariantKind.allCases {
                    let candidates = chunk.filter { $0.file.kind == kind && !$0.file.isWebP }
                    let ids = Set(try await MaintenanceStore.linkVariants(db, kind: kind, candidates.map {
                        (imageId: $0.match!, variant: StoredVariant(path: $0.file.relativePath, size: $0.size))
                    }))
                    linked += candidates.filter { ids.contains($0.match!) }
                    // WebP companions after the JPEGs: a companion links only to a row that has its JPEG.
                    let companions = chunk.filter { $0.file.kind == kind && $0.file.isWebP }
                    let webpIds = Set(try await MaintenanceStore.linkWebP(db, kind: kind, companions.map {
                        (imageId: $0.match!, jpegPath: $0.file.jpegRelativePath, size: $0.size)
                    }))
                    linked += companions.filter { webpIds.contains($0.match!) }
                }
                return linked
            }
            for orphan in linked {
                images.insert(orphan.match!)
                timelapses.insert(orphan.file.timelapseId)
            }
            report.filesMatched += linked.count
            let linkedFiles = Set(linked.map(\.file))
            remaining += chunk.filter { !linkedFiles.contains($0.file) }
        }
        if !timelapses.isEmpty {
            let ids = Array(timelapses)
            try await database.transaction { try await TimelapseStore.recomputeCounts($0, ids: ids) }
        }
        for orphan in orphans where orphan.match == nil {
            if try await scanner.unlinkOrphan(orphan, handles: handles) {
                report.filesDeleted += 1
                report.bytesFreed += orphan.isSymlink ? 0 : orphan.size
            } else {
                remaining.append(orphan)
            }
        }
        report.databaseRecordsUpdated = images.count
        report.timelapsesAffected = timelapses.count
        try await scanner.recordOrphans(remaining)
        await events.publish(.thumbnailsRepaired(ThumbnailsRepaired(
            orphanedFilesFound: report.orphanedFilesFound, filesMatched: report.filesMatched, filesDeleted: report.filesDeleted,
            databaseRecordsUpdated: report.databaseRecordsUpdated, timelapsesAffected: report.timelapsesAffected)))
        return report
    }
}
