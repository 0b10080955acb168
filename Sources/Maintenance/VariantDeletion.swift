import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import TimelapserCore

/// What delete-all removed.
public struct DeleteAllReport: Sendable, Equatable {
    public var thumbnailsDeleted = 0
    public var smallsDeleted = 0
    public var bytesFreed: Int64 = 0
    public var rowsCleared = 0
}

/// Delete-all: every variant file and every variant column, originals untouched.
public struct VariantDeletion: MaintenanceOperation {
    let context: MaintenanceContext
    var scanner: OrphanScanner { OrphanScanner(context: context) }

    /// Removes every variant file and clears every variant column and count (originals untouched): the rows are
    /// cleared in one transaction, their files unlinked after it commits, then the remaining variant-named files
    /// of the variant folders are removed under the cleanup rules.
    public func run(confirmed: Bool) async throws -> DeleteAllReport {
        guard confirmed else { throw MaintenanceError.confirmationRequired("delete-all needs confirm=true") }
        // Checked before the rows are cleared: on a wrong directory the files to delete are not where rows say.
        try await context.dataDirectory.require(for: "delete-all")
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
        for orphan in try await scanner.scanOrphans(handles).orphans {
            if try await scanner.unlinkOrphan(orphan, handles: handles) {
                report.bytesFreed += orphan.isSymlink ? 0 : orphan.size
                if orphan.file.kind == .thumbnail { report.thumbnailsDeleted += 1 } else { report.smallsDeleted += 1 }
            } else {
                remaining.append(orphan)
            }
        }
        try await scanner.recordOrphans(remaining)
        await events.publish(.thumbnailsDeleted(ThumbnailsDeleted(
            thumbnailsDeleted: report.thumbnailsDeleted, smallsDeleted: report.smallsDeleted, bytesFreed: Int64(report.bytesFreed))))
        return report
    }
}
