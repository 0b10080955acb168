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
    /// The first ``ThumbnailMaintenance/listingLimit`` orphans.
    public var files: [OrphanListing] = []
}

/// What delete-all removed.
public struct DeleteAllReport: Sendable, Equatable {
    public var thumbnailsDeleted = 0
    public var smallsDeleted = 0
    public var bytesFreed: Int64 = 0
    public var rowsCleared = 0
}

extension ThumbnailMaintenance {
    public static let listingLimit = 100

    /// Scans every variant folder, links each orphan back to its image through the image's stored frame path
    /// (path and size set, generation bumped), deletes the orphans that match no image under the cleanup
    /// rules, then rewrites the affected timelapses' counts from the rows.
    public func repair() async throws -> RepairReport {
        let handles = FolderHandles(root: layout.root)
        let orphans = try await scanOrphans(handles)
        var report = RepairReport(orphanedFilesFound: orphans.count)
        var images = Set<Int64>()
        var timelapses = Set<Int64>()
        var remaining: [Orphan] = []
        let linkable = orphans.filter { $0.match != nil }
        for chunk in stride(from: 0, to: linkable.count, by: 2000).map({ Array(linkable[$0..<min($0 + 2000, linkable.count)]) }) {
            let linked = try await database.transaction { db in
                var linked: [Orphan] = []
                for kind in VariantKind.allCases {
                    let candidates = chunk.filter { $0.file.kind == kind }
                    let ids = Set(try await MaintenanceStore.linkVariants(db, kind: kind, candidates.map {
                        (imageId: $0.match!, variant: StoredVariant(path: $0.file.relativePath, size: $0.size))
                    }))
                    linked += candidates.filter { ids.contains($0.match!) }
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
            if try await unlinkOrphan(orphan, handles: handles) {
                report.filesDeleted += 1
                report.bytesFreed += orphan.isSymlink ? 0 : orphan.size
            } else {
                remaining.append(orphan)
            }
        }
        report.databaseRecordsUpdated = images.count
        report.timelapsesAffected = timelapses.count
        try await recordOrphans(remaining)
        await events.publish(.thumbnailsRepaired(ThumbnailsRepaired(
            orphanedFilesFound: report.orphanedFilesFound, filesMatched: report.filesMatched, filesDeleted: report.filesDeleted,
            databaseRecordsUpdated: report.databaseRecordsUpdated, timelapsesAffected: report.timelapsesAffected)))
        return report
    }

    /// Deletes the orphaned variant files that match no image (a dry run only lists them). Only names matching
    /// the variant pattern, only inside `thumbnails/` and `smalls/`, never through a symlink, each re-checked
    /// against the database right before it is unlinked.
    public func cleanup(dryRun: Bool) async throws -> CleanupReport {
        let handles = FolderHandles(root: layout.root)
        let orphans = try await scanOrphans(handles)
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
        var remaining = orphans.filter { $0.match != nil }
        if dryRun {
            remaining = orphans
        } else {
            for orphan in deletable {
                if try await unlinkOrphan(orphan, handles: handles) {
                    report.filesDeleted += 1
                    report.bytesFreed += orphan.isSymlink ? 0 : orphan.size
                } else {
                    remaining.append(orphan)
                }
            }
        }
        try await recordOrphans(remaining)
        await events.publish(.thumbnailsCleaned(ThumbnailsCleaned(
            orphanedFilesFound: report.orphanedFilesFound, filesDeleted: report.filesDeleted, bytesFreed: Int64(report.bytesFreed),
            dryRun: dryRun)))
        return report
    }

    /// Removes every variant file and clears every variant column and count (originals untouched): the rows are
    /// cleared in one transaction, their files unlinked after it commits, then the remaining variant-named files
    /// of the variant folders are removed under the cleanup rules.
    public func deleteAll(confirmed: Bool) async throws -> DeleteAllReport {
        guard confirmed else { throw MaintenanceError.confirmationRequired("delete-all needs confirm=true") }
        let (thumbnails, smalls) = try await database.transaction { db in
            (try await ImageStore.clearVariants(db, kind: .thumbnail, timelapseId: nil),
             try await ImageStore.clearVariants(db, kind: .small, timelapseId: nil))
        }
        var report = DeleteAllReport(rowsCleared: thumbnails.count + smalls.count)
        let handles = FolderHandles(root: layout.root)
        for (kind, paths) in [(VariantKind.thumbnail, thumbnails), (.small, smalls)] {
            for path in paths {
                let components = path.split(separator: "/").map(String.init)
                // Only a variant-named file in a variant folder: a row pointing anywhere else is never followed.
                guard layout.absolutePath(path) != nil, components.count >= 2,
                      components[components.count - 2] == DataLayout.variantFolderName(kind),
                      DataLayout.parseVariantName(components.last!)?.kind == kind,
                      let fd = handles.descriptor(Array(components.dropLast())),
                      let st = FolderHandles.lstatAt(fd, components.last!),
                      unlinkat(fd, components.last!, 0) == 0 else { continue }
                report.bytesFreed += (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : 0
                if kind == .thumbnail { report.thumbnailsDeleted += 1 } else { report.smallsDeleted += 1 }
            }
        }
        var remaining: [Orphan] = []
        for orphan in try await scanOrphans(handles) {
            if try await unlinkOrphan(orphan, handles: handles) {
                report.bytesFreed += orphan.isSymlink ? 0 : orphan.size
                if orphan.file.kind == .thumbnail { report.thumbnailsDeleted += 1 } else { report.smallsDeleted += 1 }
            } else {
                remaining.append(orphan)
            }
        }
        try await recordOrphans(remaining)
        await events.publish(.thumbnailsDeleted(ThumbnailsDeleted(
            thumbnailsDeleted: report.thumbnailsDeleted, smallsDeleted: report.smallsDeleted, bytesFreed: Int64(report.bytesFreed))))
        return report
    }
}
