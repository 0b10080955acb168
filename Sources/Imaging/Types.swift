/// Limits applied to every source image before any pixel is decoded.
public struct ImageLimits: Sendable {
    /// Largest `width × height` a source header may claim (default 100 megapixels).
    public var maxSourcePixels: Int
    public init(maxSourcePixels: Int = 100_000_000) {
        self.maxSourcePixels = maxSourcePixels
    }
}

/// What a JPEG header says, read without decoding pixels.
public struct ImageProbe: Sendable, Equatable {
    /// Stored (coded) width, before EXIF orientation.
    public let width: Int
    /// Stored (coded) height, before EXIF orientation.
    public let height: Int
    /// EXIF orientation 1…8 (1 when absent or invalid).
    public let orientation: Int
    /// Width as displayed, after applying the orientation.
    public var uprightWidth: Int
    /// Height as displayed, after applying the orientation.
    public var uprightHeight: Int

    public init(width: Int, height: Int, orientation: Int) {
        self.width = width
        self.height = height
        self.orientation = (1...8).contains(orientation) ? orientation : 1
        let swaps = self.orientation >= 5
        self.uprightWidth = swaps ? height : width
        self.uprightHeight = swaps ? width : height
    }
}

/// A variant's bounding box and JPEG quality. The image is fitted inside the box,
/// aspect preserved, never upscaled.
public struct VariantSpec: Sendable, Equatable {
    public var maxWidth: Int
    public var maxHeight: Int
    /// JPEG quality 1…100 (and the WebP companion's).
    public var quality: Int
    /// Also a WebP of the same pixels (the `variant_formats` setting).
    public var webp: Bool

    public init(maxWidth: Int, maxHeight: Int, quality: Int, webp: Bool = false) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.quality = quality
        self.webp = webp
    }

    /// 200×150, quality 80 by default.
    public static func thumbnail(quality: Int = 80, webp: Bool = false) -> VariantSpec {
        VariantSpec(maxWidth: 200, maxHeight: 150, quality: quality, webp: webp)
    }

    /// 800×600, quality 85 by default.
    public static func small(quality: Int = 85, webp: Bool = false) -> VariantSpec {
        VariantSpec(maxWidth: 800, maxHeight: 600, quality: quality, webp: webp)
    }

    /// The size an upright `width × height` image gets in this box: fitted, aspect kept,
    /// never upscaled, rounded half-to-even (as Python's `round`), at least 1×1.
    public func fittedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        fit(width: width, height: height, boxWidth: maxWidth, boxHeight: maxHeight)
    }
}

func fit(width: Int, height: Int, boxWidth: Int, boxHeight: Int) -> (width: Int, height: Int) {
    let w = Double(width), h = Double(height)
    let s = min(Double(max(boxWidth, 1)) / w, Double(max(boxHeight, 1)) / h, 1.0)
    let fw = max(1, Int((w * s).rounded(.toNearestOrEven)))
    let fh = max(1, Int((h * s).rounded(.toNearestOrEven)))
    return (fw, fh)
}

/// An encoded JPEG (metadata stripped, upright, sRGB, 3 components).
public struct EncodedImage: Sendable {
    public let bytes: [UInt8]
    public let width: Int
    public let height: Int

    public init(bytes: [UInt8], width: Int, height: Int) {
        self.bytes = bytes
        self.width = width
        self.height = height
    }
}

/// The variants made from one decode of a source.
public struct GeneratedVariants: Sendable {
    public let thumbnail: EncodedImage
    /// `nil` when no small was requested.
    public let small: EncodedImage?
    /// Mean luma (0–255) of the thumbnail's pixels: what video deflicker plans with, measured while they are in memory.
    public let meanLuma: Double
    /// The thumbnail's ThumbHash (the dashboard's placeholder), from the same pixels.
    public let thumbHash: [UInt8]
    /// WebP companions, when their spec asked for them.
    public let webpThumbnail: EncodedImage?
    public let webpSmall: EncodedImage?

    public init(thumbnail: EncodedImage, small: EncodedImage?, meanLuma: Double, thumbHash: [UInt8],
                webpThumbnail: EncodedImage? = nil, webpSmall: EncodedImage? = nil) {
        self.thumbnail = thumbnail
        self.small = small
        self.meanLuma = meanLuma
        self.thumbHash = thumbHash
        self.webpThumbnail = webpThumbnail
        self.webpSmall = webpSmall
    }
}

/// Why an image could not be read or written.
public enum ImagingError: Error, Sendable, Equatable {
    /// Zero bytes.
    case empty
    /// The bytes are not a JPEG; the payload says what they look like
    /// ("html", "svg", "xml", "pdf", "png", "gif", "webp", "tiff", "bmp", "unknown").
    case notJPEG(String)
    /// The header claims more pixels than `ImageLimits.maxSourcePixels`.
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// The stream ends before the image does.
    case truncated(String)
    /// The stream is damaged beyond decoding.
    case corrupt(String)
    /// A valid JPEG this build cannot decode (e.g. 12-bit samples).
    case unsupported(String)
    /// A file system error.
    case io(String)
    /// Decoding would need more memory than the whole decode budget allows.
    case overMemoryBudget(needed: Int, budget: Int)

    /// A short stable machine-readable reason.
    public var reason: String {
        switch self {
        case .empty: "empty"
        case .notJPEG: "not_jpeg"
        case .tooManyPixels: "too_many_pixels"
        case .truncated: "truncated"
        case .corrupt: "corrupt"
        case .unsupported: "unsupported"
        case .io: "io"
        case .overMemoryBudget: "over_memory_budget"
        }
    }

    /// A sentence for people.
    public var message: String {
        switch self {
        case .empty:
            "The image is empty (zero bytes)."
        case .notJPEG(let kind):
            kind == "unknown"
                ? "The data is not a JPEG image."
                : "The data is not a JPEG image (it looks like \(kind.uppercased()))."
        case .tooManyPixels(let w, let h, let limit):
            "The image is \(w)×\(h) = \(w * h) pixels, more than the limit of \(limit)."
        case .truncated(let detail):
            "The JPEG image is truncated (\(detail))."
        case .corrupt(let detail):
            "The JPEG image is corrupt (\(detail))."
        case .unsupported(let detail):
            "The JPEG image uses a feature that is not supported (\(detail))."
        case .io(let detail):
            "File error: \(detail)."
        case .overMemoryBudget(let needed, let budget):
            "Decoding the image needs about \(needed >> 20) MB, more than the decode memory budget of \(budget >> 20) MB."
        }
    }
}
