/// Makes the thumbnail and small variants of a JPEG, from one decode.
public struct VariantGenerator: Sendable {
    public let limits: ImageLimits

    public init(limits: ImageLimits = .init()) {
        self.limits = limits
        ImagingRuntime.initialize()
    }

    // MARK: probe

    /// Reads the header only (no pixel decode) and checks the pixel limit.
    public func probe(data: [UInt8]) throws(ImagingError) -> ImageProbe {
        try header(data).probe
    }

    /// Reads at most the first MiB of the file unless the header is longer.
    public func probe(path: String) throws(ImagingError) -> ImageProbe {
        let prefix = 1 << 20
        let (head, size) = try FileIO.read(path, limit: prefix)
        do {
            return try header(head).probe
        } catch {
            if case .truncated = error, size > head.count {
                return try header(try FileIO.read(path).bytes).probe
            }
            throw error
        }
    }

    func header(_ data: [UInt8]) throws(ImagingError) -> JPEGHeader {
        let h = try data.withUnsafeBufferPointer { b throws(ImagingError) in try JPEGHeader.parse(b) }
        if h.width * h.height > limits.maxSourcePixels {
            throw .tooManyPixels(width: h.width, height: h.height, limit: limits.maxSourcePixels)
        }
        return h
    }

    // MARK: variants

    public func makeVariants(path: String, thumbnail: VariantSpec, small: VariantSpec?,
                             transform: FrameTransform = .identity) throws(ImagingError) -> GeneratedVariants {
        try generate(try FileIO.read(path).bytes, thumbnail: thumbnail, small: small, transform: transform)
    }

    /// One decode at the DCT scale the largest requested variant needs (the
    /// smallest M/8 libjpeg-turbo IDCT scale that keeps the decoded image at least
    /// as large as the variant, so the Lanczos-3 reduce is always a downscale);
    /// the thumbnail is derived from the small in memory (so it is never larger
    /// than the small). `transform` (a camera's crop and rotation) applies to both variants: the decode scale is
    /// chosen from the cropped size, so the reduce is still a downscale.
    public func makeVariants(data: [UInt8], thumbnail: VariantSpec, small: VariantSpec?,
                             transform: FrameTransform = .identity) throws(ImagingError) -> GeneratedVariants {
        try generate(data, thumbnail: thumbnail, small: small, transform: transform)
    }

    /// `data` is consumed so that, when the caller holds no other reference (the
    /// path variant), a filtered stream replaces the original in memory.
    private func generate(_ data: consuming [UInt8], thumbnail: VariantSpec, small: VariantSpec?,
                          transform: FrameTransform) throws(ImagingError) -> GeneratedVariants {
        let plan = VariantPlan(header: try header(data), thumbnail: thumbnail, small: small, transform: transform)
        return try plan.variants(from: try plan.decode(data))
    }
}

/// How one frame becomes its variants: the decode scale, crop, orientation and sizes, worked out from the header
/// alone, so the decode can happen where it is cheapest (the worker, or the capture's corruption check) and the
/// variants be made from it anywhere after.
struct VariantPlan: Sendable {
    let header: JPEGHeader
    let thumbnail: VariantSpec
    let small: VariantSpec?
    let crop: FrameTransform.Rect?
    let orientation: Int
    /// The first variant's size in stored (pre-rotation) orientation.
    let storedWidth: Int
    let storedHeight: Int
    /// What the whole frame must decode to for the crop to cover the target.
    let minimum: (width: Int, height: Int)

    init(header h: JPEGHeader, thumbnail: VariantSpec, small: VariantSpec?, transform: FrameTransform) {
        header = h
        self.thumbnail = thumbnail
        self.small = small
        let largest = small ?? thumbnail
        crop = transform.clippedCrop(width: h.width, height: h.height)
        orientation = transform.orientation(composedWith: h.probe.orientation)
        let upright = transform.outputSize(storedWidth: h.width, storedHeight: h.height, orientation: h.probe.orientation)
        let target = largest.fittedSize(width: upright.width, height: upright.height)
        let swaps = orientation >= 5
        storedWidth = swaps ? target.height : target.width
        storedHeight = swaps ? target.width : target.height
        minimum = FrameTransform.decodeMinimum(crop: crop, width: h.width, height: h.height, minWidth: storedWidth, minHeight: storedHeight)
    }

    /// The one decode the variants need.
    func decode(_ data: consuming [UInt8]) throws(ImagingError) -> DecodedImage {
        // Progressive and nearly lossless (every quantiser ≤ 2): the final AC
        // refinement scans only add ±2/8 of a grey level per coefficient, invisible
        // after a ≥ 2× reduce, yet cost a third of the decode. The stream is still
        // walked to its end, so truncation is still detected.
        if header.sofMarker == 0xC2, header.maxQuantizer <= 2,
           Codec.eighths(width: header.width, height: header.height, minWidth: minimum.width, minHeight: minimum.height) <= 4,
           let filtered = try ScanFilter.withoutFinalACRefinement(data, header: header) {
            data = filtered
        }
        return try Codec.decode(data, header: header, minWidth: minimum.width, minHeight: minimum.height)
    }

    /// Both variants from the decode: the first (the small, or the thumbnail alone) by Lanczos-3 from the decode,
    /// the thumbnail from the small in memory (so it is never larger than the small).
    func variants(from decoded: DecodedImage) throws(ImagingError) -> GeneratedVariants {
        let largest = small ?? thumbnail
        var image = decoded.image
        if let crop { image = image.cropped(to: crop, fullWidth: header.width, fullHeight: header.height) }
        let first = image.resized420(width: storedWidth, height: storedHeight).oriented(orientation)
        let firstEncoded = try Codec.encode(first, quality: largest.quality)
        let firstWebP = largest.webp ? try WebPEncoder.encode(first, quality: largest.quality) : nil
        guard small != nil else {
            return GeneratedVariants(thumbnail: firstEncoded, small: nil, meanLuma: VideoFrameDecoder.meanLuma(first.y),
                                     thumbHash: ThumbHash.placeholder(of: first), webpThumbnail: firstWebP)
        }
        let t = thumbnail.fittedSize(width: first.width, height: first.height)
        var source = first
        // Box-halve while the remaining reduce stays ≥ 2×, then Lanczos-3.
        while source.width >= 4 * t.width && source.height >= 4 * t.height {
            source = source.halved()
        }
        let thumb = source.resized420(width: t.width, height: t.height)
        return GeneratedVariants(thumbnail: try Codec.encode(thumb, quality: thumbnail.quality), small: firstEncoded,
                                 meanLuma: VideoFrameDecoder.meanLuma(thumb.y), thumbHash: ThumbHash.placeholder(of: thumb),
                                 webpThumbnail: thumbnail.webp ? try WebPEncoder.encode(thumb, quality: thumbnail.quality) : nil,
                                 webpSmall: firstWebP)
    }
}
