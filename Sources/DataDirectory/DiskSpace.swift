import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Free and total bytes of a volume, for an unprivileged writer.
public struct DiskUsage: Sendable, Equatable {
    public var freeBytes: Int64
    public var totalBytes: Int64

    public init(freeBytes: Int64, totalBytes: Int64) {
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
    }

    /// The volume holding `path` (`statvfs`); nil when it cannot be read.
    public static func of(_ path: String) -> DiskUsage? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let block = Int64(info.f_frsize)
        return DiskUsage(freeBytes: Int64(info.f_bavail) * block, totalBytes: Int64(info.f_blocks) * block)
    }
}

/// How the data volume stands.
public enum DiskStatus: String, Sendable, Codable, Equatable {
    /// Above the reserve.
    case ok
    /// Below the reserve: captures are refused, thumbnail work waits.
    case low
    /// A write failed for lack of space; stays so until free space is back above the reserve plus one upload.
    case full
}

extension FileWriteError {
    /// The volume (or the user's quota) had no room.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
}

/// The data volume's state, shared by everything in a process that writes there: it remembers a failed write
/// (`full`) and reports each fall from `ok` once, so one `disk_low` announcement follows each crossing.
public final class DiskWatch: Sendable {
    public let root: String
    private let state = Mutex<(full: Bool, last: DiskStatus)>((false, .ok))

    public init(root: String) { self.root = root }

    /// What the volume says now. `reserve` is the free space to keep; `headroom` the space a `full` volume must
    /// regain on top of it (one upload). `crossed` is true for the one call that sees the fall from `ok`.
    public func check(reserve: (DiskUsage) -> Int64, headroom: Int64) -> (usage: DiskUsage, status: DiskStatus, crossed: Bool) {
        // An unreadable volume is not treated as full: the writes themselves will say.
        let usage = DiskUsage.of(root) ?? DiskUsage(freeBytes: .max, totalBytes: .max)
        let keep = reserve(usage)
        return state.withLock { state in
            if state.full, usage.freeBytes > keep + headroom { state.full = false }
            let status: DiskStatus = state.full ? .full : usage.freeBytes < keep ? .low : .ok
            let crossed = state.last == .ok && status != .ok
            state.last = status
            return (usage, status, crossed)
        }
    }

    /// A write just failed for lack of space.
    public func markFull() {
        state.withLock { $0.full = true }
    }
}
