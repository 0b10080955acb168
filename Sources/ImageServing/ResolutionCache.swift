import DataDirectory
import Foundation
import Synchronization
import TimelapserCore

/// The shared, lock-protected resolution cache with its counters.
final class ResolutionCache: Sendable {
    struct Stamped<Value: Sendable>: Sendable {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    struct State: Sendable {
        var images: [Int64: Stamped<CachedImage>] = [:]
        var latest: [Int64: Stamped<Int64?>] = [:]
        /// Bumped by every invalidation, so a resolution that read the database before an invalidation does not
        /// store what it read after it.
        var imageEpoch: UInt64 = 0
        var latestEpoch: UInt64 = 0
        /// Paths already logged and counted as missing or refused.
        var noticed: Set<String> = []
    }

    static let maxEntries = 200_000
    static let maxNoticed = 100_000

    let ttl: Duration
    let root: String
    let state = Mutex(State())
    let missingFiles = Atomic<Int>(0)
    let refusedPaths = Atomic<Int>(0)
    private let resolvedRoot = Mutex<String?>(nil)

    init(ttl: Duration, root: String) {
        self.ttl = ttl
        self.root = root
    }

    /// The data directory's real path, computed on first use (a file check, so never on the event loop).
    var realRoot: String {
        resolvedRoot.withLock { cached in
            if let cached { return cached }
            let real = FileCheck.realRoot(root)
            cached = real
            return real
        }
    }

    var imageEpoch: UInt64 { state.withLock { $0.imageEpoch } }
    var latestEpoch: UInt64 { state.withLock { $0.latestEpoch } }

    /// The fresh entry of an image (nil when absent or expired) and the epoch it was read at.
    func image(_ id: Int64) -> (entry: CachedImage?, epoch: UInt64) {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.images[id], entry.expires > now else { return (nil, state.imageEpoch) }
            return (entry.value, state.imageEpoch)
        }
    }

    func store(_ id: Int64, _ image: CachedImage, ifEpoch epoch: UInt64) {
        let expires = ContinuousClock.now + ttl
        state.withLock { state in
            guard state.imageEpoch == epoch else { return }
            if state.images.count >= Self.maxEntries { state.images.removeAll(keepingCapacity: true) }
            state.images[id] = Stamped(value: image, expires: expires)
        }
    }

    func forget(_ id: Int64) {
        state.withLock { state in
            if let gone = state.images.removeValue(forKey: id)?.value { Self.clearNotices(of: gone, in: &state) }
            state.imageEpoch &+= 1
        }
    }

    func latest(_ cameraId: Int64) -> Int64?? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.latest[cameraId], entry.expires > now else { return nil }
            return .some(entry.value)
        }
    }

    func storeLatest(_ cameraId: Int64, _ imageId: Int64?, ifEpoch epoch: UInt64) {
        let expires = ContinuousClock.now + ttl
        state.withLock { state in
            guard state.latestEpoch == epoch else { return }
            if state.latest.count >= Self.maxEntries { state.latest.removeAll(keepingCapacity: true) }
            state.latest[cameraId] = Stamped(value: imageId, expires: expires)
        }
    }

    func forgetLatest(_ cameraId: Int64) {
        state.withLock { state in
            state.latest[cameraId] = nil
            state.latestEpoch &+= 1
        }
    }

    /// Forgets an image and every cached image of the same timelapse (a job can clear the small of the
    /// timelapse's previous latest frame without an event naming it).
    func forgetTimelapse(of imageId: Int64, timelapseId: Int64?) {
        state.withLock { state in
            let timelapse = timelapseId ?? state.images[imageId]?.value.timelapseId
            for (id, entry) in state.images where id == imageId || entry.value.timelapseId == timelapse {
                state.images[id] = nil
                Self.clearNotices(of: entry.value, in: &state)
            }
            state.imageEpoch &+= 1
        }
    }

    func invalidateAll() {
        state.withLock { state in
            state.images.removeAll()
            state.latest.removeAll()
            state.noticed.removeAll()
            state.imageEpoch &+= 1
            state.latestEpoch &+= 1
        }
    }

    /// True the first time a path is noticed missing or refused (until the image is invalidated).
    func isFirstNotice(_ path: String) -> Bool {
        state.withLock { state in
            if state.noticed.count >= Self.maxNoticed { state.noticed.removeAll() }
            return state.noticed.insert(path).inserted
        }
    }

    private static func clearNotices(of image: CachedImage, in state: inout State) {
        guard !state.noticed.isEmpty else { return }
        for variant in ImageVariant.requestable {
            if let path = image.path(of: variant) { state.noticed.remove(path) }
        }
    }
}
