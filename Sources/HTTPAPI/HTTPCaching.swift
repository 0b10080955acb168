import Database
import Foundation
import ImageServing
import Maintenance
import ThumbnailJobs
import TimelapserCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Cache-Control` of an image response (docs/API.md, "Image serving").
enum ImageCachePolicy {
    static let immutable = "public, max-age=31536000, immutable"
    static let ownVariant = "public, max-age=3600, s-maxage=3600"
    static let latestImage = "public, max-age=300, s-maxage=300"
    static let noCache = "no-cache"

    /// Fallbacks and placeholders are never stored as if they were the variant asked for; a request whose `?v=`
    /// names the current generation of the variant it asked for (and got) is immutable: a regeneration changes
    /// the URL the server hands out. Latest-image URLs name a moving target and are never immutable.
    static func value(for resolved: ResolvedImage, latest: Bool, version: String?) -> String {
        if resolved.isFallback { return noCache }
        if latest { return latestImage }
        if let version, let v = Int(version), v == resolved.generation { return immutable }
        return ownVariant
    }
}

/// Conditional-request matching.
enum EntityTagMatch {
    /// `If-None-Match` against our strong ETag with the weak comparison RFC 9110 prescribes for it: a list of
    /// tags (either strength) or `*`.
    static func ifNoneMatch(_ header: String, etag: String) -> Bool {
        if header == etag { return true }
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingCharacters(in: .whitespaces)[...]
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag { return true }
        }
        return false
    }

    /// `If-Range` uses the strong comparison; a date (or anything else) is treated as a mismatch, which only ever
    /// costs a whole response.
    static func ifRange(_ header: String, etag: String) -> Bool {
        header.trimmingCharacters(in: .whitespaces) == etag
    }
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for `Last-Modified`.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func string(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + parts.tm_year) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// A single `Range: bytes=…` request against a representation of `size` bytes.
enum ByteRangeRequest: Equatable {
    /// No range, or one this server answers with the whole representation (malformed, several ranges).
    case whole
    case partial(ClosedRange<Int64>)
    /// A syntactically valid range that starts at or beyond the end: 416.
    case unsatisfiable

    static func parse(_ header: String?, size: Int64) -> ByteRangeRequest {
        guard let header else { return .whole }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        // Multipart/byteranges is not worth its complexity for images: answer the whole file.
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        func number(_ text: Substring) -> Int64? {
            guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int64(text)
        }
        if first.isEmpty {
            guard let suffix = number(last) else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - suffix)...(size - 1))
        }
        guard let start = number(first) else { return .whole }
        let end: Int64
        if last.isEmpty {
            end = size - 1
        } else {
            guard let requestedEnd = number(last), requestedEnd >= start else { return .whole }
            end = min(requestedEnd, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .partial(start...end)
    }
}
