import Access
import CoreMetrics
import DataDirectory
import Foundation
import HTTPTypes
import ImageServing
import NIOCore
import Synchronization
import TimelapserCore

/// Answers `GET`/`HEAD /api/images/{id}/thumbnail|small[?v=N]` from memory, on the event loop, when everything the
/// answer needs is already known: the resolution (``ImageVariantResolver/cachedResolution(imageId:variant:)``),
/// the file still the one resolved (one `lstat`), and for a 200 the bytes (``ServedBytesCache``). A dashboard's
/// poll and a CDN's revalidation are mostly such requests; answering them without the router's task hops is what
/// lets Timelapser serve thumbnails at a static file server's rate (docs/PERFORMANCE-serving.md).
///
/// Anything else returns nil and takes the normal route, which answers the same bytes and headers and fills the
/// caches: other paths and queries, ranges, `Connection` headers, fallbacks and placeholders, latest-image URLs,
/// anything not yet resolved, and every request when users are on and the credential is not one the access service
/// has just checked (``AccessService/recentPrincipal(sessionCookie:bearer:)``).
struct ImageFastPath: Sendable {
    let resolver: ImageVariantResolver
    let bytes: ServedBytesCache
    let authMode: AuthMode
    let access: AccessService
    let answered: FastPathCount
    let entries: FastAnswerTable
    /// One per process: formatted once a second whatever the number of connections.
    static let date = HTTPDateHeader()

    /// What the fast path sends for one request.
    struct Answer {
        var head: HTTPResponse
        var body: ByteBuffer?
    }

    func answer(_ request: HTTPRequest) -> Answer? {
        guard request.method == .get || request.method == .head,
              let target = FastImageTarget(path: request.path),
              request.headerFields[.range] == nil, Self.keepsAlive(request)
        else { return nil }
        if authMode == .users {
            guard access.recentPrincipal(sessionCookie: Self.sessionCookie(request), bearer: AccessMiddleware.bearer(request))?.mayRead == true
            else { return nil }
        }
        guard let entry = entry(for: target) else { return nil }
        if entry.hasWebP, VariantNegotiation.acceptsWebP(request.headerFields[.accept]) { return nil }
        guard FileCheck.isUnchanged(entry.file) else {
            // Deleted or replaced by hand: the normal route resolves again (and says so in the log).
            resolver.fileVanished(imageId: target.imageId)
            entries.remove(target)
            return nil
        }
        if let ifNoneMatch = request.headerFields[.ifNoneMatch], EntityTagMatch.ifNoneMatch(ifNoneMatch, etag: entry.etag) {
            return send(entry, .notModified, entry.notModifiedFields, body: nil)
        }
        if request.method == .head { return send(entry, .ok, entry.okFields, body: nil) }
        guard let body = bytes.bytes(of: entry.file) else { return nil }
        return send(entry, .ok, entry.okFields, body: body)
    }

    private func send(_ entry: FastAnswerEntry, _ status: HTTPResponse.Status, _ fields: HTTPFields, body: ByteBuffer?) -> Answer {
        var fields = fields
        // The prebuilt fields have no `Date`: appending skips the search a subscript assignment makes.
        fields.append(HTTPField(name: .date, value: Self.date.value))
        (status == .ok ? entry.okCounter : entry.notModifiedCounter).increment()
        answered.add()
        return Answer(head: HTTPResponse(status: status, headerFields: fields), body: body)
    }

    /// The prebuilt answer of `target`, built again from the resolution cache when that has changed since.
    private func entry(for target: FastImageTarget) -> FastAnswerEntry? {
        let epoch = resolver.cacheEpoch
        if let entry = entries.entry(target), entry.epoch == epoch, entry.expires > .now { return entry }
        guard let (resolved, readAt) = resolver.cachedResolution(imageId: target.imageId, variant: target.variant),
              !resolved.isFallback, let file = resolved.file
        else { return nil }
        var cacheControl = ImageCachePolicy.value(for: resolved, latest: false, version: target.version.map(String.init))
        if authMode == .users { cacheControl = cacheControl.replacingOccurrences(of: "public", with: "private") }
        var fields = ImageResponder.headers(variant: resolved.served.rawValue, etag: resolved.etag, cacheControl: cacheControl,
                                            lastModified: HTTPDate.string(file.modifiedAt))
        fields[.server] = "Timelapser"
        var ok = fields
        ok[.contentLength] = String(file.size)
        let entry = FastAnswerEntry(file: file, etag: resolved.etag, okFields: ok, notModifiedFields: fields, epoch: readAt,
                                    expires: .now + FastAnswerTable.lifetime,
                                    okCounter: ServingMetrics.counter(resolved.served, status: 200),
                                    notModifiedCounter: ServingMetrics.counter(resolved.served, status: 304),
                                    hasWebP: resolved.webpSize != nil)
        entries.store(entry, for: target)
        return entry
    }

    /// No `Connection` header, or only `keep-alive` (what browsers send): anything else (`close`, `upgrade`) is the
    /// router's to handle.
    static func keepsAlive(_ request: HTTPRequest) -> Bool {
        guard let connection = request.headerFields[.connection] else { return true }
        return connection.utf8.count == 10 && connection.lowercased() == "keep-alive"
    }

    static func sessionCookie(_ request: HTTPRequest) -> String? {
        for header in request.headerFields[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                if trimmed.hasPrefix(AccessMiddleware.sessionCookie + "=") {
                    return String(trimmed.dropFirst(AccessMiddleware.sessionCookie.count + 1))
                }
            }
        }
        return nil
    }
}

/// `/api/images/{id}/thumbnail` or `/small`, with no query or only `?v=N`: what the fast path can answer.
struct FastImageTarget: Hashable {
    let imageId: Int64
    let variant: ImageVariant
    /// `?v=`, when given.
    let version: Int?

    init?(path: String?) {
        guard var path else { return nil }
        let parsed: (Int64, ImageVariant, Int?)? = path.withUTF8 { Self.parse($0) }
        guard let (id, variant, version) = parsed else { return nil }
        imageId = id
        self.variant = variant
        self.version = version
    }

    /// `/api/images/` digits `/thumbnail` or `/small`, then nothing or `?v=` digits; bytes only, no allocation.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int64, ImageVariant, Int?)? {
        let prefix: StaticString = "/api/images/"
        guard bytes.count > prefix.utf8CodeUnitCount,
              memcmp(bytes.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0 else { return nil }
        var index = prefix.utf8CodeUnitCount
        guard let id = number(bytes, &index), id > 0 else { return nil }
        let variant: ImageVariant
        if matches(bytes, at: index, "/thumbnail") {
            variant = .thumbnail
            index += 10
        } else if matches(bytes, at: index, "/small") {
            variant = .small
            index += 6
        } else {
            return nil
        }
        if index == bytes.count { return (id, variant, nil) }
        guard matches(bytes, at: index, "?v=") else { return nil }
        index += 3
        guard let version = number(bytes, &index), index == bytes.count, version <= Int64(Int32.max) else { return nil }
        return (id, variant, Int(version))
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Int64? {
        let start = index
        var value: Int64 = 0
        while index < bytes.count, index - start < 18, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index > start ? value : nil
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ literal: StaticString) -> Bool {
        index + literal.utf8CodeUnitCount <= bytes.count
            && memcmp(bytes.baseAddress! + index, literal.utf8Start, literal.utf8CodeUnitCount) == 0
    }
}

/// The `Date` header, formatted once per second.
final class HTTPDateHeader: Sendable {
    private let current = Mutex<(second: Int, text: String)>((0, ""))

    var value: String {
        let now = Date()
        let second = Int(now.timeIntervalSince1970)
        return current.withLock { current in
            if current.second != second { current = (second, HTTPDate.string(now)) }
            return current.text
        }
    }
}

/// How many requests the fast path answered since the server started (`serving.fast_responses` of health).
final class FastPathCount: Sendable {
    private let count = Atomic<Int>(0)

    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// A prebuilt answer: the headers of its 200 and 304 (all but `Date`), built from one resolution.
final class FastAnswerEntry: Sendable {
    let file: VariantFile
    let etag: String
    let okFields: HTTPFields
    let notModifiedFields: HTTPFields
    /// The resolution cache's epoch when the resolution was read: any invalidation since makes the entry stale.
    let epoch: UInt64
    let expires: ContinuousClock.Instant
    let okCounter: CoreMetrics.Counter
    let notModifiedCounter: CoreMetrics.Counter
    /// A WebP companion exists: a request that accepts WebP is the router's to negotiate.
    let hasWebP: Bool

    init(file: VariantFile, etag: String, okFields: HTTPFields, notModifiedFields: HTTPFields, epoch: UInt64,
         expires: ContinuousClock.Instant, okCounter: CoreMetrics.Counter, notModifiedCounter: CoreMetrics.Counter, hasWebP: Bool) {
        self.hasWebP = hasWebP
        self.file = file
        self.etag = etag
        self.okFields = okFields
        self.notModifiedFields = notModifiedFields
        self.epoch = epoch
        self.expires = expires
        self.okCounter = okCounter
        self.notModifiedCounter = notModifiedCounter
    }
}

/// The prebuilt answers by request target, shared by every connection.
final class FastAnswerTable: Sendable {
    /// As long as a resolution is trusted (the resolver's own time to live).
    static let lifetime: Duration = .seconds(5)
    static let maxEntries = 200_000
    private let entries = Mutex<[FastImageTarget: FastAnswerEntry]>([:])

    func entry(_ target: FastImageTarget) -> FastAnswerEntry? {
        entries.withLock { $0[target] }
    }

    func store(_ entry: FastAnswerEntry, for target: FastImageTarget) {
        entries.withLock { entries in
            if entries.count >= Self.maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[target] = entry
        }
    }

    func remove(_ target: FastImageTarget) {
        entries.withLock { $0[target] = nil }
    }
}
