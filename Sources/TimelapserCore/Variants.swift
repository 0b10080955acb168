/// The generated variants an image row can point at.
public enum VariantKind: String, Sendable, CaseIterable, Codable {
    /// 200×150.
    case thumbnail
    /// 800×600.
    case small
}

/// A variant a client can ask for, or what answered it (`placeholder` only ever answers).
public enum ImageVariant: String, Sendable, CaseIterable, Codable {
    case thumbnail
    case small
    case full
    case placeholder

    /// The variants a request for `self` may be answered with, best first; the placeholder follows them all.
    public var cascade: [ImageVariant] {
        switch self {
        case .thumbnail: [.thumbnail, .small, .full]
        case .small: [.small, .full]
        case .full: [.full]
        case .placeholder: []
        }
    }

    /// The variants a client may request.
    public static let requestable: [ImageVariant] = [.thumbnail, .small, .full]

    /// The generated kind this variant is stored as (nil for the original frame and the placeholder).
    public var kind: VariantKind? {
        switch self {
        case .thumbnail: .thumbnail
        case .small: .small
        case .full, .placeholder: nil
        }
    }
}

/// The one place image URLs are spelled. `?v=` carries the variant's generation, which makes the URL immutable:
/// regenerating a variant bumps the generation and so changes the URL.
public enum ImageURL {
    /// `/api/images/{id}/{variant}?v={generation}`
    public static func variant(imageId: Int64, _ variant: ImageVariant, generation: Int) -> String {
        "/api/images/\(imageId)/\(variant.rawValue)?v=\(generation)"
    }

    /// `/api/cameras/{id}/latest-image/{variant}?v={generation}`
    public static func latest(cameraId: Int64, _ variant: ImageVariant, generation: Int) -> String {
        "/api/cameras/\(cameraId)/latest-image/\(variant.rawValue)?v=\(generation)"
    }
}
