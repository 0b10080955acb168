import Catalog
import Database
import DataDirectory
import Events
import Foundation
import Hummingbird
import ImageServing
import Maintenance
import NIOCore
import NIOPosix
import ThumbnailJobs
import TimelapserCore

/// Image serving: variants with the fallback cascade and HTTP caching (docs/API.md, "Image serving").
///
/// Ids are integers from the path; which file answers comes from the database row and a check of the disk
/// (``ImageVariantResolver``), never from the request. An existing image never 404s for a missing file; an image
/// that does not exist does, with the JSON envelope. A camera that exists but has no frame yet serves the
/// placeholder (`no-cache`), and its latest-image metadata is `data` with `image: null`.
struct ImageServingController {
    let services: APIServices

    /// More ids than this in one batch is a 413.
    static let maxBatchIds = 100
    /// Inline batch answers carry at most this many bytes of images (before base64); more is a 413.
    static let maxInlineBytes: Int64 = 32 << 20

    var responder: ImageResponder {
        ImageResponder(resolver: services.resolver, servedBytes: services.servedBytes, settings: services.settings)
    }

    func addRoutes(to routes: AccessRoutes) {
        // A constant component wins over `:id` in Hummingbird's trie, whatever the registration order.
        routes.get("images/batch", .viewer, use: batch)
        for variant in ImageVariant.requestable {
            routes.get("images/:id/\(variant.rawValue)", .viewer) { request, context in
                try await serveImage(request, context, variant: variant, head: false)
            }
            routes.head("images/:id/\(variant.rawValue)", .viewer) { request, context in
                try await serveImage(request, context, variant: variant, head: true)
            }
            routes.get("cameras/:id/latest-image/\(variant.rawValue)", .viewer) { request, context in
                try await serveLatest(request, context, variant: variant, head: false)
            }
            routes.head("cameras/:id/latest-image/\(variant.rawValue)", .viewer) { request, context in
                try await serveLatest(request, context, variant: variant, head: true)
            }
        }
        routes.get("images/:id/serve", .viewer) { request, context in
            try await serveImage(request, context, variant: try Self.size(request), head: false)
        }
        routes.head("images/:id/serve", .viewer) { request, context in
            try await serveImage(request, context, variant: try Self.size(request), head: true)
        }
        routes.get("cameras/:id/latest-image", .viewer, use: latestMetadata)
    }

    func serveImage(_ request: Request, _ context: AppRequestContext, variant: ImageVariant, head: Bool) async throws -> Response {
        let id = try RequestInput.id(context, entity: "Image")
        let resolver = services.resolver
        return try await responder.respond(to: request, head: head, latest: false) {
            guard let resolved = try await resolver.resolve(imageId: id, variant: variant) else {
                throw CatalogError.imageNotFound(id)
            }
            return resolved
        }
    }

    func serveLatest(_ request: Request, _ context: AppRequestContext, variant: ImageVariant, head: Bool) async throws -> Response {
        try await serveLatest(request, cameraId: try RequestInput.id(context, entity: "Camera"), variant: variant, head: head)
    }

    /// A camera's newest frame in `variant` (the cascade), or the placeholder when it has none yet.
    func serveLatest(_ request: Request, cameraId: Int64, variant: ImageVariant, head: Bool) async throws -> Response {
        let resolver = services.resolver
        // Resolved once up front so a camera without frames is told apart from an unknown one.
        switch try await resolver.resolveLatest(cameraId: cameraId, variant: variant) {
        case .unknownCamera: throw CatalogError.cameraNotFound(cameraId)
        case .noImages: return try await ImageResponder.cameraPlaceholder(cameraId: cameraId, request: request, head: head)
        case .image(let first):
            var pending: ResolvedImage? = first
            return try await responder.respond(to: request, head: head, latest: true) {
                if let resolved = pending {
                    pending = nil
                    return resolved
                }
                guard case .image(let resolved) = try await resolver.resolveLatest(cameraId: cameraId, variant: variant) else {
                    throw CatalogError.imageNotFound(first.imageId)
                }
                return resolved
            }
        }
    }

    /// `GET /api/cameras/{id}/latest-image`: the newest frame with versioned URLs of every variant, or `image: null`.
    @Sendable func latestMetadata(_ request: Request, context: AppRequestContext) async throws -> Response {
        let cameraId = try RequestInput.id(context, entity: "Camera")
        _ = try await services.cameras.get(cameraId)
        let latest = try await services.resolver.latestImage(cameraId: cameraId)
        return JSONResponse.ok(LatestImageResponse(cameraId: cameraId, image: latest))
    }

    /// `GET /api/images/batch?ids=1,2,3&size=thumbnail[&inline=true]`.
    @Sendable func batch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let ids = try Self.batchIds(request)
        let variant = try Self.size(request)
        let inline = try RequestInput.bool(request, "inline") ?? false
        var resolved = try await services.resolver.resolveMany(imageIds: ids, variant: variant)
        var data: [Int64: ByteBuffer] = [:]
        if inline { data = try await inlineData(&resolved, variant: variant) }
        var answer = BatchResponse(images: [], missing: [])
        for id in ids {
            guard let image = resolved[id] else {
                answer.missing.append(id)
                continue
            }
            answer.images.append(BatchItem(image, data: inline ? data[id] ?? Self.placeholderBytes(image) : nil))
        }
        return JSONResponse.ok(answer)
    }

    /// Reads every resolved file in one thread-pool hop; a file that vanished meanwhile is resolved again alone.
    private func inlineData(_ resolved: inout [Int64: ResolvedImage], variant: ImageVariant) async throws -> [Int64: ByteBuffer] {
        let total = resolved.values.reduce(Int64(0)) { $0 + ($1.file?.size ?? 0) }
        guard total <= Self.maxInlineBytes else {
            throw APIError(.contentTooLarge, "Inline batch too large: ask for fewer ids or without inline",
                           details: ["limit_bytes": .int(Int(Self.maxInlineBytes))])
        }
        let files = resolved.compactMapValues(\.file)
        var data = try await NIOThreadPool.singleton.runIfActive {
            files.compactMapValues { try? VariantFileReader.read($0) }
        }
        for (id, _) in files where data[id] == nil {
            for _ in 0..<ImageResponder.maxResolutions {
                services.resolver.fileVanished(imageId: id)
                guard let again = try await services.resolver.resolve(imageId: id, variant: variant) else {
                    resolved[id] = nil
                    break
                }
                resolved[id] = again
                guard let file = again.file else { break }
                if let bytes = try? await NIOThreadPool.singleton.runIfActive({ try VariantFileReader.read(file) }) {
                    data[id] = bytes
                    break
                }
            }
        }
        return data
    }

    static func placeholderBytes(_ image: ResolvedImage) -> ByteBuffer? {
        image.file == nil ? ImageResponder.placeholder : nil
    }

    /// `size` (default thumbnail): thumbnail, small or full; 400 otherwise.
    static func size(_ request: Request) throws -> ImageVariant {
        guard let text = request.uri.queryParameters.get("size") else { return .thumbnail }
        guard let variant = ImageVariant(rawValue: text), variant != .placeholder else {
            throw APIError.badRequest("size must be thumbnail, small or full", field: "size")
        }
        return variant
    }

    /// `ids`: 1 to 100 comma-separated integers (duplicates answered once); 413 over 100, 400 when malformed.
    static func batchIds(_ request: Request) throws -> [Int64] {
        let text = request.uri.queryParameters.get("ids") ?? ""
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.isEmpty else { throw APIError.badRequest("ids is required: comma-separated image ids", field: "ids") }
        guard parts.count <= maxBatchIds else {
            throw APIError(.contentTooLarge, "Too many ids: at most \(maxBatchIds) per batch",
                           details: ["limit": .int(maxBatchIds), "count": .int(parts.count)])
        }
        var seen = Set<Int64>()
        var ids: [Int64] = []
        for part in parts {
            guard let id = Int64(part), part.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw APIError.badRequest("ids must be comma-separated positive integers", field: "ids")
            }
            if seen.insert(id).inserted { ids.append(id) }
        }
        return ids
    }
}

/// One image of `GET /api/images/batch`.
struct BatchItem: Encodable {
    var imageId: Int64
    var variant: ImageVariant
    var etag: String
    var url: String
    /// Base64 of the served bytes, with `inline=true`.
    var data: String?
    /// Standard base64 of the image's ThumbHash, or null.
    @AlwaysPresent var thumbhash: String?

    init(_ image: ResolvedImage, data: ByteBuffer?) {
        imageId = image.imageId
        thumbhash = image.thumbhash
        variant = image.served
        etag = image.etag
        url = Self.url(image)
        self.data = data.map { Data($0.readableBytesView).base64EncodedString() }
    }

    /// The versioned URL of what a resolution serves (the asked-for variant's URL when that is the placeholder).
    static func url(_ image: ResolvedImage) -> String {
        let variant = image.served == .placeholder ? image.requested : image.served
        return ImageURL.variant(imageId: image.imageId, variant, generation: image.generation(of: variant))
    }
}

/// `GET /api/images/batch`.
struct BatchResponse: Encodable {
    var images: [BatchItem]
    var missing: [Int64]
}

/// Latest-image metadata: the image (with its versioned `urls`) and the camera's latest-image URLs.
struct LatestImageResponse: Encodable {
    var cameraId: Int64
    @AlwaysPresent var imageId: Int64?
    @AlwaysPresent var capturedAt: Date?
    @AlwaysPresent var image: ImageResponse?
    @AlwaysPresent var urls: ImageURLs?
    /// The image's ThumbHash (as in `image`), for painting before the latest image loads.
    @AlwaysPresent var thumbhash: String?
    var latestUrls: [String: String]

    init(cameraId: Int64, image: ImageRecord?) {
        var latest: [String: String] = [:]
        for variant in ImageVariant.requestable {
            let generation = switch variant {
            case .thumbnail: image?.thumbnailGeneration ?? 0
            case .small: image?.smallGeneration ?? 0
            default: 0
            }
            latest[variant.rawValue] = ImageURL.latest(cameraId: cameraId, variant, generation: generation)
        }
        self.cameraId = cameraId
        imageId = image?.id
        capturedAt = image?.capturedAt
        self.image = image.map(ImageResponse.init)
        urls = image.map(ImageURLs.init)
        thumbhash = image?.thumbhash
        latestUrls = latest
    }
}

extension OpenAPIDocument {
    static let servingResponses: [Int: String] = [
        200: "The variant, or the next one down the cascade (X-Image-Variant says which)", 206: "A single byte range",
        304: "If-None-Match matched", 404: "Unknown image", 416: "Range starts beyond the end",
    ]

    static func servingPair(_ path: String, _ summary: String, query: [(name: String, type: String, description: String)] = [],
                            responses: [Int: String] = servingResponses) -> [APIOperation] {
        ["get", "head"].map { method in
            APIOperation(method: method, path: path, summary: method == "head" ? summary + " (headers only)" : summary,
                         tag: "serving", responses: responses, query: query, responseType: "image/jpeg")
        }
    }

    static let servingOperations: [APIOperation] = {
        let version = [(name: "v", type: "integer", description: "generation of the variant; the current one makes the answer immutable")]
        var operations: [APIOperation] = [
            APIOperation(method: "get", path: "/api/images/batch", summary: "Resolve many images at once", tag: "serving",
                         responses: [200: "{images: [{image_id, variant, etag, url, data?}], missing: [ids]}",
                                     400: "ids missing or not integers, or bad size", 413: "More than 100 ids, or inline data over 32 MiB"],
                         query: [("ids", "string", "comma-separated image ids, at most 100"),
                                 ("size", "string", "thumbnail (default), small or full"),
                                 ("inline", "boolean", "include base64 data of each image")]),
            APIOperation(method: "get", path: "/api/cameras/{id}/latest-image", summary: "The camera's newest frame with versioned URLs",
                         tag: "serving",
                         responses: [200: "{camera_id, image_id, captured_at, image, urls, latest_urls}; image null when no frame yet",
                                     404: "Unknown camera"]),
        ]
        for variant in ImageVariant.requestable {
            operations += servingPair("/api/images/{id}/\(variant.rawValue)", "The image's \(variant.rawValue), with fallback", query: version)
            var latest = servingResponses
            latest[404] = "Unknown camera"
            latest[200] = "The newest frame's variant (or the next one down; the placeholder when no frame yet)"
            operations += servingPair("/api/cameras/{id}/latest-image/\(variant.rawValue)",
                                      "The camera's newest \(variant.rawValue), with fallback", query: version, responses: latest)
        }
        operations += servingPair("/api/images/{id}/serve", "The image at a size given as a parameter, with fallback",
                                  query: version + [(name: "size", type: "string", description: "thumbnail (default), small or full")])
        return operations
    }()
}
