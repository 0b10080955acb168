import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The marker file at the data directory's root, `.timelapser-data-id`: one UUID (and a newline) that the database
/// stores too, so a data directory that is empty, unmounted or another instance's is told apart from the one the
/// database describes. The marker is written once, never replaced and never deleted.
public enum DataDirectoryMarker {
    public static let fileName = ".timelapser-data-id"

    /// What reading the marker found.
    public enum Reading: Sendable, Equatable {
        /// No marker (nor, perhaps, the directory itself).
        case absent
        /// The id it holds, lowercased.
        case id(String)
        /// A marker that cannot be read or holds no id: why.
        case unreadable(String)
    }

    public static func path(_ layout: DataLayout) -> String { layout.root + "/" + fileName }

    /// Reads the marker: one small read, never through a symlink.
    public static func read(_ layout: DataLayout) -> Reading {
        let path = path(layout)
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .absent }
            return .unreadable("cannot read the marker \(path): \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 128)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return .unreadable("cannot read the marker \(path): \(String(cString: strerror(errno)))") }
        let text = String(decoding: bytes.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = UUID(uuidString: text) else { return .unreadable("the marker \(path) holds no id") }
        return .id(id.uuidString.lowercased())
    }

    /// Writes a marker holding `id` unless one exists (no-clobber: a marker another process wrote first wins).
    /// Returns false when a marker was there already.
    public static func writeNew(_ id: String, layout: DataLayout) throws(FileWriteError) -> Bool {
        let owner = TempOwner(workerID: TempOwner.currentWorkerID(), jobID: 0)
        return try AtomicFile.writeNew(Array((id + "\n").utf8), to: path(layout), owner: owner)
    }

    /// Whether `cameras/` holds at least one entry: the data directory has frames of its own.
    public static func hasCameraFolders(_ layout: DataLayout) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: layout.root + "/cameras") else { return false }
        return !names.isEmpty
    }
}
