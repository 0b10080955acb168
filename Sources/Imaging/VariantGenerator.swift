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
        let h = try header(data)
        let probe = h.probe
        let largest = small ?? thumbnail
        let crop = transform.clippedCrop(width: h.width, height: h.height)
        let orientation = transform.orientation(composedWith: probe.orientation)
        let upright = transform.outputSize(storedWidth: h.width, storedHeight: h.height, orientation: probe.orientation)
        let target = largest.fittedSize(width: upright.width, height: upright.height)
        // Target in stored (pre-rotation) orientation.
        let swaps = orientation >= 5
        let tw = swaps ? target.height : target.width
        let th = swaps ? target.width : target.height
        // What the whole frame must decode to for the crop to cover the target.
        let minimum = FrameTransform.decodeMinimum(crop: crop, width: h.width, height: h.height, minWidth: tw, minHeight: th)
        // Progressive and nearly lossless (every quantiser ≤ 2): the final AC
        // refinement scans only add ±2/8 of a grey level per coefficient, invisible
        // after a ≥ 2× reduce, yet cost a third of the decode. The stream is still
        // walked to its end, so truncation is still detected.
        if h.sofMarker == 0xC2, h.maxQuantizer <= 2,
           Codec.eighths(width: h.width, height: h.height, minWidth: minimum.width, minHeight: minimum.height) <= 4,
           let filtered = try ScanFilter.withoutFinalACRefinement(data, header: h) {
            data = filtered
        }
        let decoded = try Codec.decode(data, header: h, minWidth: minimum.width, minHeight: minimum.height)
        var image = decoded.image
        if let crop { image = image.cropped(to: crop, fullWidth: h.width, fullHeight: h.height) }
        let first = image.resized420(width: tw, height: th).oriented(orientation)
        let firstEncoded = try Codec.encode(first, quality: largest.quality)
        guard small != nil else {
            return GeneratedVariants(thumbnail: firstEncoded, small: nil, meanLuma: VideoFrameDecoder.meanLuma(first.y))
        }
        let t = thumbnail.fittedSize(width: first.width, height: first.height)
        var source = first
        // Box-halve while the remaining reduce stays ≥ 2×, then Lanczos-3.
        while source.width >= 4 * t.width && source.height >= 4 * t.height {
            source = source.halved()
        }
        let thumb = source.resized420(width: t.width, height: t.height)
        return GeneratedVariants(thumbnail: try Codec.encode(thumb, quality: thumbnail.quality), small: firstEncoded,
                                 meanLuma: VideoFrameDecoder.meanLuma(thumb.y))
    }
}

