import Database
import DataDirectory
import Dispatch
import Events
import Foundation
import ThumbnailJobs
import Imaging
import TimelapserCore

/// What a verification found and changed.
public struct VerificationReport: Sendable, Equatable {
    public var timelapseId: Int64?
    public var timelapsesChecked = 0
    public var totalImages = 0
    public var validThumbnails = 0
    public var validSmalls = 0
    /// Rows whose path pointed at a missing or invalid file (now NULL).
    public var clearedThumbnails = 0
    public var clearedSmalls = 0
    /// WebP companions the rows recorded that were missing or invalid (now forgotten; the JPEG stays).
    public var clearedWebP = 0
    /// What the aggregate counts said before, and say now (rewritten from the rows).
    public var countsBefore = VariantTotals()
    public var countsAfter = VariantTotals()
    public var deep = false
    public var elapsedSeconds = 0.0

    /// Images without a valid thumbnail (never generated, or cleared now).
    public var missingThumbnails: Int { totalImages - validThumbnails }
    public var missingSmalls: Int { totalImages - validSmalls }
    public var countsUpdated: Bool {
        countsBefore.thumbnails != countsAfter.thumbnails || countsBefore.smalls != countsAfter.smalls
            || countsBefore.thumbnailBytes != countsAfter.thumbnailBytes || countsBefore.smallBytes != countsAfter.smallBytes
            || countsBefore.images != countsAfter.images
    }
    /// "47/50 thumbnails valid, 3 missing; 45/50 smalls valid, 5 missing".
    public var message: String {
        "\(validThumbnails)/\(totalImages) thumbnails valid, \(missingThumbnails) missing; "
            + "\(validSmalls)/\(totalImages) smalls valid, \(missingSmalls) missing"
    }
}

/// The file checks of verification. A variant is valid when it is a regular file (not a symlink), not empty, and
/// starts with SOI (FF D8) and ends with EOI (FF D9); a deep check also decodes it.
enum VariantFileCheck {
    static func isValid(_ path: String, deep: Bool) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 4 else { return false }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if deep {
            var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            guard n == bytes.count, hasMarkers(head: bytes.prefix(2), tail: bytes.suffix(2)) else { return false }
            return JPEGIntegrity.decodesCleanly(bytes)
        }
        var head: (UInt8, UInt8) = (0, 0)
        var tail: (UInt8, UInt8) = (0, 0)
        guard withUnsafeMutableBytes(of: &head, { pread(fd, $0.baseAddress, 2, 0) }) == 2,
              withUnsafeMutableBytes(of: &tail, { pread(fd, $0.baseAddress, 2, off_t(st.st_size - 2)) }) == 2
        else { return false }
        return head == (0xFF, 0xD8) && tail == (0xFF, 0xD9)
    }

    /// A WebP companion: a regular file starting `RIFF`…`WEBP` whose RIFF size matches the file's.
    static func isValidWebP(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 12 else { return false }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 12)
        guard head.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 12, 0) }) == 12 else { return false }
        return FolderHandles.isWholeWebP(head: head, size: Int64(st.st_size))
    }

    static func hasMarkers(head: ArraySlice<UInt8>, tail: ArraySlice<UInt8>) -> Bool {
        Array(head) == [0xFF, 0xD8] && Array(tail) == [0xFF, 0xD9]
    }

    /// What the check of one row found: each variant valid (false without a path), and each WebP companion the row
    /// records valid (true when it records none).
    struct Validity {
        var thumbnail = false, small = false, thumbnailWebP = true, smallWebP = true
    }

    /// Checks every variant of `rows` on all cores.
    static func check(_ rows: [VariantRow], layout: DataLayout, deep: Bool) async -> [Validity] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                let results = UnsafeResults(count: rows.count)
                let chunk = 256
                let chunks = (rows.count + chunk - 1) / chunk
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for i in (c * chunk)..<min(rows.count, (c + 1) * chunk) {
                        let row = rows[i]
                        var validity = Validity()
                        for kind in VariantKind.allCases {
                            guard let path = row.path(kind).flatMap(layout.absolutePath) else { continue }
                            let valid = isValid(path, deep: deep)
                            let webp = !row.hasWebP(kind) || (valid && isValidWebP(VariantFormat.webpPath(forVariantPath: path)))
                            if kind == .thumbnail { (validity.thumbnail, validity.thumbnailWebP) = (valid, webp) }
                            else { (validity.small, validity.smallWebP) = (valid, webp) }
                        }
                        results.set(i, validity)
                    }
                }
                continuation.resume(returning: results.values)
            }
        }
    }

    /// Results written by index from `concurrentPerform`: each slot has exactly one writer.
    final class UnsafeResults: @unchecked Sendable {
        private var storage: [Validity]
        init(count: Int) { storage = Array(repeating: Validity(), count: count) }
        func set(_ i: Int, _ value: Validity) {
            storage.withUnsafeMutableBufferPointer { $0[i] = value }
        }
        var values: [Validity] { storage }
    }
}

/// Verify: every stored variant path checked against its file; stale paths cleared, counts rewritten.
public struct ThumbnailVerifier: MaintenanceOperation {
    let context: MaintenanceContext

    static let verifyPageSize = 8192

    /// Checks the file of every `thumbnail_path`/`small_path` (one timelapse, or all), clears the paths whose file
    /// is missing or invalid, and rewrites the counts from the rows. Rows are streamed in id order, a page read
    /// while the previous one is checked; clears are batched and guarded by the generation seen, so a variant a
    /// worker writes meanwhile is never cleared. Refused while the data directory is not the database's.
    public func verify(timelapseId: Int64?, deep: Bool = false) async throws -> VerificationReport {
        // Verify clears the paths of missing files: on an empty or unmounted directory that would be every path.
        try await context.dataDirectory.require(for: "verify")
        let started = ContinuousClock.now
        if let timelapseId { _ = try await requireTimelapse(timelapseId) }
        var report = VerificationReport(timelapseId: timelapseId, deep: deep)
        report.countsBefore = try await database.read { try await MaintenanceStore.totals($0, timelapseId: timelapseId) }
        var staleThumbnails: [StaleVariant] = []
        var staleSmalls: [StaleVariant] = []
        var staleWebP: [VariantKind: [StaleVariant]] = [:]
        let database = database
        var page = try await database.read {
            try await MaintenanceStore.variantPage($0, timelapseId: timelapseId, afterId: 0, limit: Self.verifyPageSize)
        }
        while !page.isEmpty {
            let after = page.last!.id
            let more = page.count == Self.verifyPageSize
            async let next: [VariantRow] = more ? database.read {
                try await MaintenanceStore.variantPage($0, timelapseId: timelapseId, afterId: after, limit: Self.verifyPageSize)
            } : []
            let results = await VariantFileCheck.check(page, layout: layout, deep: deep)
            for (row, valid) in zip(page, results) {
                report.totalImages += 1
                if valid.thumbnail { report.validThumbnails += 1 } else if row.thumbnailPath != nil {
                    staleThumbnails.append(StaleVariant(imageId: row.id, generation: row.thumbnailGeneration))
                }
                if valid.small { report.validSmalls += 1 } else if row.smallPath != nil {
                    staleSmalls.append(StaleVariant(imageId: row.id, generation: row.smallGeneration))
                }
                // A WebP companion missing beside a valid JPEG: only the companion is forgotten.
                if valid.thumbnail && !valid.thumbnailWebP {
                    staleWebP[.thumbnail, default: []].append(StaleVariant(imageId: row.id, generation: row.thumbnailGeneration))
                }
                if valid.small && !valid.smallWebP {
                    staleWebP[.small, default: []].append(StaleVariant(imageId: row.id, generation: row.smallGeneration))
                }
            }
            page = try await next
        }
        let (thumbs, smalls, webp) = (staleThumbnails, staleSmalls, staleWebP)
        let cleared = try await database.transaction { db in
            let t = try await MaintenanceStore.clearStale(db, kind: .thumbnail, thumbs)
            let s = try await MaintenanceStore.clearStale(db, kind: .small, smalls)
            var w = 0
            for (kind, stale) in webp { w += try await MaintenanceStore.clearStaleWebP(db, kind: kind, stale) }
            try await TimelapseStore.recomputeCounts(db, ids: timelapseId.map { [$0] })
            return (t, s, w)
        }
        report.clearedThumbnails = cleared.0
        report.clearedSmalls = cleared.1
        report.clearedWebP = cleared.2
        report.countsAfter = try await database.read { try await MaintenanceStore.totals($0, timelapseId: timelapseId) }
        report.timelapsesChecked = report.countsAfter.timelapses
        report.elapsedSeconds = (ContinuousClock.now - started).timeInterval
        await events.publish(.thumbnailsVerified(ThumbnailsVerified(
            timelapseId: timelapseId, totalImages: report.totalImages, validThumbnails: report.validThumbnails,
            validSmalls: report.validSmalls, missingThumbnails: report.missingThumbnails, missingSmalls: report.missingSmalls,
            countsUpdated: report.countsUpdated)))
        return report
    }
}
