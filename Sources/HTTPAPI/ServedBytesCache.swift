import DataDirectory
import Foundation
import NIOCore
import Synchronization

/// The bytes of recently served thumbnails and smalls, so the fast serving path (``ImageFastPath``) answers a 200
/// without a thread-pool hop.
///
/// Keyed by the file's identity (device, inode, size, modification time): a regenerated variant is a new file (a
/// rename over the old one), so it can never be answered with the old bytes, and nothing has to be invalidated;
/// entries of files that no longer exist just age out. Least recently used entries leave first once the
/// `serving_cache_bytes` budget is reached.
final class ServedBytesCache: Sendable {
    struct Key: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64
        let size: Int64
        let modified: Double

        init(_ file: VariantFile) {
            device = file.device
            inode = file.inode
            size = file.size
            modified = file.modifiedAt.timeIntervalSince1970
        }
    }

    /// A file larger than this share of the budget is not kept (one frame must not push out hundreds of thumbnails).
    static let largestShare = 16

    private struct Entry {
        var bytes: ByteBuffer
        var newer: Key?
        var older: Key?
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var newest: Key?
        var oldest: Key?
        var bytes = 0
        var budget: Int
    }

    private let state: Mutex<State>

    init(budget: Int) {
        state = Mutex(State(budget: budget))
    }

    /// The bytes of `file` if kept, marking them as just used.
    func bytes(of file: VariantFile) -> ByteBuffer? {
        let key = Key(file)
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            Self.unlink(key, in: &state)
            Self.pushNewest(key, entry.bytes, in: &state)
            return entry.bytes
        }
    }

    /// Keeps the bytes just read of `file` under `budget` (the current `serving_cache_bytes`).
    func store(_ bytes: ByteBuffer, of file: VariantFile, budget: Int) {
        let key = Key(file)
        state.withLock { state in
            state.budget = budget
            guard bytes.readableBytes <= budget / Self.largestShare, bytes.readableBytes == Int(file.size) else {
                Self.evict(toFit: 0, in: &state)
                return
            }
            if state.entries[key] != nil { Self.unlink(key, in: &state) }
            Self.evict(toFit: bytes.readableBytes, in: &state)
            Self.pushNewest(key, bytes, in: &state)
        }
    }

    /// Applies a new budget at once, dropping the least recently used files until the cache fits.
    func resize(to budget: Int) {
        state.withLock { state in
            state.budget = budget
            Self.evict(toFit: 0, in: &state)
        }
    }

    /// Bytes kept now, and the number of files.
    var usage: (bytes: Int, files: Int) { state.withLock { ($0.bytes, $0.entries.count) } }

    private static func evict(toFit incoming: Int, in state: inout State) {
        while state.bytes + incoming > state.budget, let oldest = state.oldest {
            unlink(oldest, in: &state)
        }
    }

    /// Removes `key` from the list and the table.
    private static func unlink(_ key: Key, in state: inout State) {
        guard let entry = state.entries.removeValue(forKey: key) else { return }
        state.bytes -= entry.bytes.readableBytes
        if let newer = entry.newer { state.entries[newer]?.older = entry.older } else { state.newest = entry.older }
        if let older = entry.older { state.entries[older]?.newer = entry.newer } else { state.oldest = entry.newer }
    }

    private static func pushNewest(_ key: Key, _ bytes: ByteBuffer, in state: inout State) {
        state.entries[key] = Entry(bytes: bytes, newer: nil, older: state.newest)
        if let newest = state.newest { state.entries[newest]?.newer = key }
        state.newest = key
        if state.oldest == nil { state.oldest = key }
        state.bytes += bytes.readableBytes
    }
}
