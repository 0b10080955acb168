import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import TimelapserCore

#if canImport(Glibc)
import Glibc
#endif

/// A file named like a variant (`timelapse-{t}_thumb_…`/`_small_…`) inside the matching variant folder of its
/// timelapse, as the scan found it.
struct ScannedVariantFile: Sendable, Hashable {
    var cameraId: Int64
    var timelapseId: Int64
    var kind: VariantKind
    var name: String
    /// A WebP companion (`….webp`) rather than the JPEG variant itself.
    var isWebP = false

    /// The JPEG variant's name: the file's own, or the one its WebP companion sits beside.
    var jpegName: String { isWebP ? String(name.dropLast(".webp".count)) + ".jpg" : name }
    var jpegRelativePath: String { (folder + [jpegName]).joined(separator: "/") }

    var folder: [String] {
        ["cameras", "camera-\(cameraId)", "timelapse-\(timelapseId)", DataLayout.variantFolderName(kind)]
    }
    var relativePath: String { (folder + [name]).joined(separator: "/") }
}

/// A variant file no row points at.
struct Orphan: Sendable {
    var file: ScannedVariantFile
    var size: Int64
    var device: UInt64
    var inode: UInt64
    var isSymlink: Bool
    /// The image it can be linked back to: the image whose stored frame path derives this exact variant path,
    /// whose column for this kind is empty, and the file is a regular file that looks like a whole JPEG.
    var match: Int64?
}

/// `open(2)` of a directory (a free function, so `FolderHandles` members do not shadow it).
private func openDirectory(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }

/// Directory access that never follows a symlink below the data directory: every component is opened with
/// `O_NOFOLLOW` relative to its parent, so a linked folder is never entered and a link is removed as a link.
final class FolderHandles {
    let root: String
    private var cache: [String: Int32] = [:]

    init(root: String) { self.root = root }
    deinit { for fd in cache.values { close(fd) } }

    /// A descriptor of `components` under the root (cached), or nil when any of them is missing or not a real
    /// directory.
    func descriptor(_ components: [String]) -> Int32? {
        let key = components.joined(separator: "/")
        if let fd = cache[key] { return fd }
        var fd = openDirectory(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        for component in components {
            let next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(fd)
            guard next >= 0 else { return nil }
            fd = next
        }
        cache[key] = fd
        return fd
    }

    /// Names in a directory (without `.` and `..`).
    static func names(_ fd: Int32) -> [String] {
        guard let dir = fdopendir(dup(fd)) else { return [] }
        defer { closedir(dir) }
        rewinddir(dir)
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `lstat` of a name in a directory.
    static func lstatAt(_ fd: Int32, _ name: String) -> stat? {
        var st = stat()
        return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    /// Whether a regular file in `fd` is a whole WebP: `RIFF`, the RIFF size matching the file's, `WEBP`.
    static func looksLikeWholeWebP(_ fd: Int32, _ name: String, size: Int64) -> Bool {
        guard size >= 12 else { return false }
        let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard file >= 0 else { return false }
        defer { close(file) }
        var head = [UInt8](repeating: 0, count: 12)
        guard head.withUnsafeMutableBytes({ pread(file, $0.baseAddress, 12, 0) }) == 12 else { return false }
        return isWholeWebP(head: head, size: size)
    }

    /// A WebP's first 12 bytes: `RIFF`, the RIFF size (the file's less 8), `WEBP`.
    static func isWholeWebP(head: [UInt8], size: Int64) -> Bool {
        let riffSize = Int64(head[4]) | Int64(head[5]) << 8 | Int64(head[6]) << 16 | Int64(head[7]) << 24
        return head[0..<4] == [0x52, 0x49, 0x46, 0x46] && head[8..<12] == [0x57, 0x45, 0x42, 0x50] && riffSize + 8 == size
    }

    /// Whether a regular file in `fd` starts with FF D8 and ends with FF D9.
    static func looksLikeWholeJPEG(_ fd: Int32, _ name: String, size: Int64) -> Bool {
        guard size >= 4 else { return false }
        let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard file >= 0 else { return false }
        defer { close(file) }
        var head: (UInt8, UInt8) = (0, 0)
        var tail: (UInt8, UInt8) = (0, 0)
        guard withUnsafeMutableBytes(of: &head, { pread(file, $0.baseAddress, 2, 0) }) == 2,
              withUnsafeMutableBytes(of: &tail, { pread(file, $0.baseAddress, 2, off_t(size - 2)) }) == 2
        else { return false }
        return head == (0xFF, 0xD8) && tail == (0xFF, 0xD9)
    }
}

/// What a scan of the variant folders found.
struct OrphanScan: Sendable {
    var orphans: [Orphan] = []
    /// Every variant-named file of the variant folders, referenced or not: the base of the deletion limit.
    var scannedFiles = 0
}

/// Finds orphaned variant files and removes them safely; repair, cleanup and delete-all share it.
struct OrphanScanner: MaintenanceOperation {
    let context: MaintenanceContext

    /// Every variant folder on disk: `cameras/camera-{c}/timelapse-{t}/{thumbnails,smalls}` (real directories only).
    func variantFolders(_ handles: FolderHandles) -> [(cameraId: Int64, timelapseId: Int64, kind: VariantKind)] {
        var folders: [(cameraId: Int64, timelapseId: Int64, kind: VariantKind)] = []
        guard let cameras = handles.descriptor(["cameras"]) else { return [] }
        for camera in FolderHandles.names(cameras) {
            guard camera.hasPrefix("camera-"), let cameraId = Int64(camera.dropFirst("camera-".count)),
                  let cameraFd = handles.descriptor(["cameras", camera]) else { continue }
            for timelapse in FolderHandles.names(cameraFd) {
                guard timelapse.hasPrefix("timelapse-"), let timelapseId = Int64(timelapse.dropFirst("timelapse-".count)) else { continue }
                for kind in VariantKind.allCases { folders.append((cameraId, timelapseId, kind)) }
            }
        }
        return folders
    }

    /// Finds the variant files no row points at, and which of them can be linked back to their image. Only names
    /// matching the variant pattern for the folder's own kind and timelapse are considered; temp files of running
    /// workers (`.tmp.…`), frames and anything else are never listed. Works one timelapse folder at a time, so
    /// memory follows the largest timelapse, not the catalogue. Also counts every variant-named file it looked at.
    func scanOrphans(_ handles: FolderHandles) async throws -> OrphanScan {
        let owners = try await database.read { try await MaintenanceStore.timelapseOwners($0) }
        var byTimelapse: [(cameraId: Int64, timelapseId: Int64)] = []
        for folder in variantFolders(handles) where folder.kind == .thumbnail {
            byTimelapse.append((folder.cameraId, folder.timelapseId))
        }
        var scan = OrphanScan()
        for (cameraId, timelapseId) in byTimelapse {
            var files: [(ScannedVariantFile, Int32)] = []
            for kind in VariantKind.allCases {
                let folder = ScannedVariantFile(cameraId: cameraId, timelapseId: timelapseId, kind: kind, name: "")
                guard let fd = handles.descriptor(folder.folder) else { continue }
                for name in FolderHandles.names(fd) {
                    var file = folder
                    file.name = name
                    file.isWebP = name.hasSuffix(".webp")
                    guard let parsed = DataLayout.parseVariantName(file.jpegName), parsed.kind == kind, parsed.timelapseId == timelapseId else { continue }
                    files.append((file, fd))
                }
            }
            guard !files.isEmpty else { continue }
            scan.scannedFiles += files.count
            // A folder whose timelapse is gone (or belongs to another camera) matches no row.
            let references = owners[timelapseId] == cameraId
                ? try await variantReferences(cameraId: cameraId, timelapseId: timelapseId) : VariantReferences()
            for (file, fd) in files {
                let frameName = DataLayout.parseVariantName(file.jpegName)!.frameName
                let row = references.byFrameName[frameName]
                let slot = row.map { file.kind == .thumbnail ? $0.thumbnail : $0.small }
                // A WebP companion belongs to its JPEG: referenced when the row has that JPEG and records the companion,
                // linkable when it has the JPEG and no companion yet.
                let recordedWebP = row.map { file.kind == .thumbnail ? $0.thumbnailWebP : $0.smallWebP } ?? false
                let referenced = file.isWebP ? slot == .derived && recordedWebP : slot == .derived
                if referenced || references.elsewhere.contains(file.jpegRelativePath) { continue }
                guard let st = FolderHandles.lstatAt(fd, file.name) else { continue }
                let type = st.st_mode & S_IFMT
                guard type == S_IFREG || type == S_IFLNK else { continue }
                let size = Int64(st.st_size)
                let linkable = type == S_IFREG && (file.isWebP
                    ? FolderHandles.looksLikeWholeWebP(fd, file.name, size: size) && (slot == .derived
                        || slot == .empty && FolderHandles.lstatAt(fd, file.jpegName).map {
                            FolderHandles.looksLikeWholeJPEG(fd, file.jpegName, size: Int64($0.st_size)) } == true)
                    : slot == .empty && FolderHandles.looksLikeWholeJPEG(fd, file.name, size: size))
                scan.orphans.append(Orphan(file: file, size: size, device: UInt64(st.st_dev), inode: UInt64(st.st_ino),
                                      isSymlink: type == S_IFLNK, match: linkable ? row?.imageId : nil))
            }
        }
        return scan
    }

    /// Refuses (throws ``MaintenanceError/tooManyDeletions(reason:)``) when deleting `deletions` of the scan's files
    /// exceeds `cleanup_max_delete_percent`, unless forced: a mass deletion more likely means a wrong database or data
    /// directory than that many real orphans. Called before anything is deleted or linked.
    func requireWithinDeletionLimit(_ deletions: Int, of scan: OrphanScan, operation: String, force: Bool) async throws {
        guard !force, deletions > 0 else { return }
        let limit = try await settings.current().cleanupMaxDeletePercent
        guard deletions * 100 > scan.scannedFiles * limit else { return }
        let percent = scan.scannedFiles > 0 ? deletions * 100 / scan.scannedFiles : 100
        let reason = "\(operation) would delete \(deletions) of \(scan.scannedFiles) variant files scanned (\(percent) %), "
            + "more than cleanup_max_delete_percent (\(limit) %); pass force=true to go ahead"
        logger.warning("\(reason)")
        throw MaintenanceError.tooManyDeletions(reason: reason)
    }

    /// What one timelapse's rows say about its variant folders, compactly: per frame file name, whether each
    /// column holds the variant path derived from the stored frame path (`DataLayout.variantPath(forFramePath:kind:)`),
    /// is empty, or holds something else; plus those other paths, so a file a row points at is never an orphan.
    struct VariantReferences {
        enum Slot: Equatable { case empty, derived, other }
        struct Row { var imageId: Int64; var thumbnail: Slot; var small: Slot; var thumbnailWebP: Bool; var smallWebP: Bool }
        var byFrameName: [String: Row] = [:]
        var elsewhere: Set<String> = []
    }

    func variantReferences(cameraId: Int64, timelapseId: Int64) async throws -> VariantReferences {
        let frames = DataLayout.framesDirectory(cameraId: cameraId, timelapseId: timelapseId) + "/"
        var references = VariantReferences()
        var after: Int64 = 0
        while true {
            let afterId = after
            let page = try await database.read {
                try await MaintenanceStore.variantReferences($0, timelapseId: timelapseId, afterId: afterId, limit: 8192)
            }
            guard let last = page.last else { break }
            after = last.id
            for row in page {
                func slot(_ stored: String?, _ kind: VariantKind) -> VariantReferences.Slot {
                    guard let stored else { return .empty }
                    if stored == DataLayout.variantPath(forFramePath: row.framePath, kind: kind) { return .derived }
                    references.elsewhere.insert(stored)
                    return .other
                }
                let thumbnail = slot(row.thumbnailPath, .thumbnail)
                let small = slot(row.smallPath, .small)
                // Only frames stored in this timelapse's own frames folder derive names in its variant folders.
                guard row.framePath.hasPrefix(frames) else { continue }
                references.byFrameName[String(row.framePath.dropFirst(frames.count))] =
                    VariantReferences.Row(imageId: row.id, thumbnail: thumbnail, small: small,
                                          thumbnailWebP: row.thumbnailWebP, smallWebP: row.smallWebP)
            }
        }
        return references
    }

    /// Unlinks an orphan after checking, right before, that no row points at it now, that its image (if any) has
    /// no running or pending job that may be writing it, and that the name still is the very file scanned.
    /// A symlink is removed as a link; its target is never touched.
    func unlinkOrphan(_ orphan: Orphan, handles: FolderHandles) async throws -> Bool {
        let file = orphan.file
        guard let frameName = DataLayout.parseVariantName(file.jpegName)?.frameName else { return false }
        let framePath = (Array(file.folder.dropLast()) + ["frames", frameName]).joined(separator: "/")
        if let owner = try await database.read({
            try await MaintenanceStore.variantOwner($0, timelapseId: file.timelapseId, framePath: framePath)
        }) {
            let owned = owner.path(file.kind) == file.jpegRelativePath && (!file.isWebP || owner.hasWebP(file.kind))
            if owned || owner.hasActiveJob { return false }
        }
        guard let fd = handles.descriptor(file.folder), let st = FolderHandles.lstatAt(fd, file.name),
              UInt64(st.st_dev) == orphan.device, UInt64(st.st_ino) == orphan.inode else { return false }
        return unlinkat(fd, file.name, 0) == 0
    }

    /// Persists what the last scan left behind, for statistics.
    func recordOrphans(_ remaining: [Orphan]) async throws {
        let thumbnails = remaining.filter { $0.file.kind == .thumbnail }.count
        let value = JSONValue.object([
            "thumbnails": .int(thumbnails), "smalls": .int(remaining.count - thumbnails),
            "bytes": .int(Int(remaining.reduce(0) { $0 + $1.size })),
        ]).jsonText
        try await database.transaction { try await MaintenanceStore.setState($0, key: Self.orphanStateKey, value: value, at: Date()) }
    }

    static let orphanStateKey = "orphan_scan"
}
