import DataDirectory
import Foundation
import TimelapserCore

/// The answer to "serve variant X of image N": which variant, which file, which generation.
public struct ResolvedImage: Sendable {
    public let imageId: Int64
    public let cameraId: Int64
    public let timelapseId: Int64
    public let capturedAt: Date
    public let requested: ImageVariant
    public let served: ImageVariant
    /// The generation of the served variant: 0 for `full` and `placeholder`.
    public let generation: Int
    public let thumbnailGeneration: Int
    public let smallGeneration: Int
    /// nil for the placeholder.
    public let file: VariantFile?
    /// Standard base64 of the thumbnail's ThumbHash (nil before one was made).
    public var thumbhash: String? = nil
    /// The size the row records for the served variant's WebP companion (nil: none was written).
    public var webpSize: Int64? = nil

    /// Something other than what was asked for answered (a larger variant or the placeholder).
    public var isFallback: Bool { served != requested }

    /// The current generation of a variant (what `?v=` must equal for an immutable answer).
    public func generation(of variant: ImageVariant) -> Int {
        switch variant {
        case .thumbnail: thumbnailGeneration
        case .small: smallGeneration
        case .full, .placeholder: 0
        }
    }

    /// Strong ETag: `"image-{id}-{captured_at unix}-{served variant}-g{generation}"`, so regenerating or falling
    /// back always changes it.
    public var etag: String {
        "\"image-\(imageId)-\(Int64(capturedAt.timeIntervalSince1970.rounded(.down)))-\(served.rawValue)-g\(generation)\""
    }

    /// The WebP companion's ETag: the JPEG's with `-webp`, so the two representations never share a tag.
    public var webpETag: String { String(etag.dropLast()) + "-webp\"" }
}

/// What a camera's latest image resolves to.
public enum LatestImageResolution: Sendable {
    case unknownCamera
    /// The camera exists but has no frame yet.
    case noImages
    case image(ResolvedImage)
}
