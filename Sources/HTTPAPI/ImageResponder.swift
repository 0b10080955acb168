import Database
import DataDirectory
import Foundation
import HTTPTypes
import Hummingbird
import ImageServing
import Imaging
import NIOCore
import NIOPosix
import ThumbnailJobs
import TimelapserCore

extension HTTPField.Name {
    static let xImageVariant = HTTPField.Name("X-Image-Variant")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let vary = HTTPField.Name("Vary")!
}

/// Turns a resolved image into the HTTP answer: caching headers, 304, HEAD, single ranges and the body.
struct ImageResponder {
    let resolver: ImageVariantResolver
    /// Where the bytes of whole thumbnails and smalls read here are kept for the fast path (``ImageFastPath``).
    let servedBytes: ServedBytesCache
    let settings: SettingsService

    /// Each file that vanishes between resolution and reading costs one more resolution (one step down the
    /// cascade, at most three steps); more than that means the files are being rewritten under us.
    static let maxResolutions = 5

    static let placeholder = ByteBuffer(bytes: PlaceholderImage.jpeg)
    /// The placeholder's `Last-Modified`: it is made once per process.
    static let placeholderModified = HTTPDate.string(Date())

    /// Answers with what `resolve` finds, resolving again when the file it named is gone by the time it is read.
    func respond(to request: Request, head: Bool, latest: Bool,
                 resolve: () async throws -> ResolvedImage) async throws -> Response {
        for _ in 0..<Self.maxResolutions {
            let resolved = try await resolve()
            do {
                let answer = try await response(for: resolved, request: request, head: head, latest: latest)
                ServingMetrics.served(resolved.served, status: Int(answer.status.code))
                return answer
            } catch is VariantFileChanged {
                resolver.fileVanished(imageId: resolved.imageId)
            }
        }
        throw APIError(.serviceUnavailable, "Image files are changing, retry")
    }

    private func response(for resolved: ResolvedImage, request: Request, head: Bool, latest: Bool) async throws -> Response {
        let version = request.uri.queryParameters.get("v")
        var headers = Self.headers(
            variant: resolved.served.rawValue, etag: resolved.etag,
            cacheControl: ImageCachePolicy.value(for: resolved, latest: latest, version: version),
            lastModified: resolved.file.map { HTTPDate.string($0.modifiedAt) } ?? Self.placeholderModified)
        guard var chosen = resolved.file else {
            return try await Self.placeholderResponse(headers: headers, request: request, head: head)
        }
        // A cached resolution may name a file deleted or replaced by hand since: one `lstat` before any answer, 304
        // included, so nothing the disk no longer has is confirmed.
        guard FileCheck.isUnchanged(chosen) else { throw VariantFileChanged() }
        var servesWebP = false
        // The WebP companion for a client that takes it (and while WebP is on); a companion gone missing, or not the
        // size the row recorded (a later write that never committed), falls back to the JPEG, which is always there.
        if let recorded = resolved.webpSize, VariantNegotiation.acceptsWebP(request.headers[.accept]),
           try await settings.current().writesWebP,
           let webp = FileCheck.companion(at: VariantFormat.webpPath(forVariantPath: chosen.path)), webp.size == recorded {
            chosen = webp
            servesWebP = true
            headers[.contentType] = "image/webp"
            headers[.eTag] = resolved.webpETag
            headers[.lastModified] = HTTPDate.string(webp.modifiedAt)
        }
        let file = chosen
        // Only JPEG bytes are kept: the fast path that reads them never negotiates.
        let keep = (resolved.served == .thumbnail || resolved.served == .small) && !servesWebP
        return try await Self.respond(headers: headers, size: file.size, request: request, head: head) { range in
            guard keep, range == 0...(file.size - 1), file.size <= VariantFileReader.wholeReadLimit else {
                return try await VariantFileReader.body(file, range: range)
            }
            let bytes = try await NIOThreadPool.singleton.runIfActive { try VariantFileReader.read(file) }
            servedBytes.store(bytes, of: file, budget: try await settings.current().servingCacheBytes)
            return ResponseBody(byteBuffer: bytes)
        }
    }

    /// The placeholder for a camera that has no frame yet.
    static func cameraPlaceholder(cameraId: Int64, request: Request, head: Bool) async throws -> Response {
        let headers = headers(variant: ImageVariant.placeholder.rawValue, etag: "\"camera-\(cameraId)-placeholder\"",
                              cacheControl: ImageCachePolicy.noCache, lastModified: placeholderModified)
        let answer = try await placeholderResponse(headers: headers, request: request, head: head)
        ServingMetrics.served(.placeholder, status: Int(answer.status.code))
        return answer
    }

    private static func placeholderResponse(headers: HTTPFields, request: Request, head: Bool) async throws -> Response {
        let bytes = placeholder
        return try await respond(headers: headers, size: Int64(bytes.readableBytes), request: request, head: head) { range in
            ResponseBody(byteBuffer: bytes.getSlice(at: Int(range.lowerBound), length: Int(range.upperBound - range.lowerBound + 1))!)
        }
    }

    static func headers(variant: String, etag: String, cacheControl: String, lastModified: String) -> HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(9)
        headers[.contentType] = "image/jpeg"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.xImageVariant] = variant
        headers[.eTag] = etag
        headers[.cacheControl] = cacheControl
        headers[.lastModified] = lastModified
        headers[.acceptRanges] = "bytes"
        // Thumbnails and smalls may come as WebP to clients that accept it: caches must key on `Accept`.
        headers[.vary] = "Accept"
        return headers
    }

    /// What the conditional and range headers of `request` make of a representation of `size` bytes.
    enum Outcome {
        case notModified
        case unsatisfiable
        case content(status: HTTPResponse.Status, range: ClosedRange<Int64>)
    }

    static func outcome(headers: HTTPFields, size: Int64, request: Request) -> Outcome {
        let etag = headers[.eTag] ?? ""
        let ifNoneMatch = request.headers[values: .ifNoneMatch]
        if !ifNoneMatch.isEmpty, EntityTagMatch.ifNoneMatch(ifNoneMatch.joined(separator: ","), etag: etag) {
            return .notModified
        }
        var range = ByteRangeRequest.whole
        if let header = request.headers[.range] {
            let ifRange = request.headers[.ifRange]
            if ifRange == nil || EntityTagMatch.ifRange(ifRange!, etag: etag) {
                range = ByteRangeRequest.parse(header, size: size)
            }
        }
        switch range {
        case .whole: return .content(status: .ok, range: 0...(size - 1))
        case .partial(let bytes): return .content(status: .partialContent, range: bytes)
        case .unsatisfiable: return .unsatisfiable
        }
    }

    static func respond(headers: HTTPFields, size: Int64, request: Request, head: Bool,
                                body: (ClosedRange<Int64>) async throws -> ResponseBody) async throws -> Response {
        var headers = headers
        switch outcome(headers: headers, size: size, request: request) {
        case .notModified:
            return Response(status: .notModified, headers: headers)
        case .unsatisfiable:
            return unsatisfiable(size: size)
        case .content(let status, let range):
            fill(&headers, status: status, range: range, size: size)
            if head { return Response(status: status, headers: headers, body: ResponseBody()) }
            return Response(status: status, headers: headers, body: try await body(range))
        }
    }

    private static func fill(_ headers: inout HTTPFields, status: HTTPResponse.Status, range: ClosedRange<Int64>, size: Int64) {
        headers[.contentLength] = String(range.upperBound - range.lowerBound + 1)
        if status == .partialContent {
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
        }
    }

    private static func unsatisfiable(size: Int64) -> Response {
        var response = APIError(.rangeNotSatisfiable, "Range not satisfiable", details: ["size": .int(Int(size))]).response
        response.headers[.contentRange] = "bytes */\(size)"
        return response
    }
}
