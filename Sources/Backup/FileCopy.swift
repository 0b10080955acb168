import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// File steps of backups and restores: a hard link where the file system allows it, else a copy; digests.
enum FileCopy {
    /// Links (or copies) `source` to `target`, making `target`'s folders. False when `source` does not exist.
    static func linkOrCopy(_ source: String, to target: String, preferLink: Bool) throws -> Bool {
        guard FileManager.default.fileExists(atPath: source) else { return false }
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if preferLink, link(source, target) == 0 { return true }
        if errno == EEXIST { try FileManager.default.removeItem(atPath: target) }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: target)
        } catch where !FileManager.default.fileExists(atPath: source) {
            return false
        }
        return true
    }

    /// Size and SHA-256 (hex) of a file, read in 1 MiB pieces.
    static func digest(_ path: String) throws -> (size: Int64, sha256: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BackupError("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
