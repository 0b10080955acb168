import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file inside the data directory, as `stat` saw it when it was checked.
public struct VariantFile: Sendable, Equatable {
    /// The real path (no symlink, no `..`), checked to be inside the data directory.
    public let path: String
    public let size: Int64
    public let modifiedAt: Date
    public let device: UInt64
    public let inode: UInt64
}

/// What the check of one variant's file found.
public enum FileState: Sendable, Equatable {
    case present(VariantFile)
    /// The row has no path for it (never generated, or not wanted).
    case absent
    /// The row has a path but no regular file is there.
    case missing
    /// The path leads outside the data directory.
    case refused

    public var isProblem: Bool { self == .missing || self == .refused }
}

/// Blocking checks of a stored relative path; run them off the event loop.
public enum FileCheck {
    /// Resolves symlinks and `..` with `realpath`, refuses anything that ends outside `realRoot`, and accepts only a
    /// regular file.
    public static func state(of relative: String?, layout: DataLayout, realRoot: String) -> FileState {
        guard let relative else { return .absent }
        guard let absolute = layout.absolutePath(relative) else { return .refused }
        guard let resolved = realpath(absolute, nil) else { return .missing }
        let real = String(cString: resolved)
        free(resolved)
        guard real.hasPrefix(realRoot + "/") else { return .refused }
        var info = stat()
        // An empty file is no image: treat it like a missing one and step down the cascade.
        guard lstat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return .missing }
        return .present(VariantFile(path: real, size: Int64(info.st_size), modifiedAt: modificationDate(info),
                                    device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    /// Whether `file` is still the regular file that was checked (same device, inode, size and modification time):
    /// one `lstat`, cheap enough for the event loop on a local file system (nginx opens every file it serves).
    /// A file deleted, replaced or turned into a symlink since is not.
    public static func isUnchanged(_ file: VariantFile) -> Bool {
        var info = stat()
        guard lstat(file.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return UInt64(info.st_ino) == file.inode && UInt64(info.st_dev) == file.device && Int64(info.st_size) == file.size
            && modificationDate(info) == file.modifiedAt
    }

    /// The regular, non-empty file at `path` (a companion beside an already checked variant, such as its WebP, so
    /// inside the data directory by construction), as `lstat` sees it; nil for anything else, a symlink included.
    public static func companion(at path: String) -> VariantFile? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        return VariantFile(path: path, size: Int64(info.st_size), modifiedAt: modificationDate(info),
                           device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    public static func modificationDate(_ info: stat) -> Date {
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return Date(timeIntervalSince1970: TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9)
    }

    /// The data directory with its own symlinks resolved (it may itself live behind one).
    public static func realRoot(_ root: String) -> String {
        guard let resolved = realpath(root, nil) else { return root }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
