/// Turns JPEG frames into the raw frames a video encoder reads: planar 4:2:0, limited range (Y 16–235, C 16–240),
/// the layout of ffmpeg's `yuv420p` and what `-vf format=yuv420p` makes of a JPEG. A frame is decoded at the
/// smallest DCT scale that still covers the output (a 3840×2160 frame for 1080p decodes at 1/2) and resized
/// with the Lanczos-3 resampler the thumbnails use; the full-range to limited-range step and a per-frame
/// brightness gain share one lookup table, so neither costs a pass of its own.
public struct VideoFrameDecoder: Sendable {
    public let limits: ImageLimits
    /// Output width and height (both even).
    public let width: Int
    public let height: Int
    /// The camera's crop and rotation, applied before the resize to `width × height`.
    public let transform: FrameTransform

    public init(width: Int, height: Int, limits: ImageLimits = .init(), transform: FrameTransform = .identity) {
        precondition(width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0, "video frames have even sides")
        self.width = width
        self.height = height
        self.limits = limits
        self.transform = transform
        ImagingRuntime.initialize()
    }

    /// Bytes of one output frame.
    public var frameBytes: Int { width * height * 3 / 2 }

    /// Decodes the JPEG at `path` into one `yuv420p` frame, luma multiplied by `lumaGain` (deflicker).
    public func frame(path: String, lumaGain: Double = 1) throws(ImagingError) -> [UInt8] {
        try frame(data: try FileIO.read(path).bytes, lumaGain: lumaGain)
    }

    public func frame(data: [UInt8], lumaGain: Double = 1) throws(ImagingError) -> [UInt8] {
        let generator = VariantGenerator(limits: limits)
        let header = try generator.header(data)
        let probe = header.probe
        let crop = transform.clippedCrop(width: header.width, height: header.height)
        let orientation = transform.orientation(composedWith: probe.orientation)
        let swaps = orientation >= 5
        let storedWidth = swaps ? height : width
        let storedHeight = swaps ? width : height
        let minimum = FrameTransform.decodeMinimum(crop: crop, width: header.width, height: header.height,
                                                   minWidth: storedWidth, minHeight: storedHeight)
        let decoded = try Codec.decode(data, header: header, minWidth: minimum.width, minHeight: minimum.height)
        var source = decoded.image
        if let crop { source = source.cropped(to: crop, fullWidth: header.width, fullHeight: header.height) }
        let image = source.resized420(width: storedWidth, height: storedHeight).oriented(orientation)
        return Self.limitedRange(image, lumaGain: lumaGain)
    }

    /// Packs the planes into one buffer, mapping full-range samples to limited range through lookup tables.
    static func limitedRange(_ image: YCbCrImage, lumaGain: Double) -> [UInt8] {
        let w = image.width, h = image.height
        let cw = w / 2, ch = h / 2
        var lumaTable = [UInt8](repeating: 0, count: 256)
        var chromaTable = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 {
            let gained = min(255, max(0, Double(v) * lumaGain))
            lumaTable[v] = UInt8((16 + gained * 219 / 255).rounded())
            chromaTable[v] = UInt8((128 + (Double(v) - 128) * 224 / 255).rounded())
        }
        var out = [UInt8](repeating: 128, count: w * h + 2 * cw * ch)
        out.withUnsafeMutableBufferPointer { o in
            image.y.pixels.withUnsafeBufferPointer { y in
                for i in 0..<(w * h) { o[i] = lumaTable[Int(y[i])] }
            }
            for (index, plane) in [image.cb, image.cr].enumerated() {
                guard let plane else { continue }  // greyscale: neutral chroma stays 128
                let base = w * h + index * cw * ch
                plane.pixels.withUnsafeBufferPointer { p in
                    for row in 0..<ch {
                        for column in 0..<cw { o[base + row * cw + column] = chromaTable[Int(p[row * plane.width + column])] }
                    }
                }
            }
        }
        return out
    }

    /// Mean luma (0–255, full range) of an encoded JPEG's pixels; cheap on a thumbnail.
    public static func meanLuma(ofJPEG data: [UInt8]) throws(ImagingError) -> Double {
        let header = try data.withUnsafeBufferPointer { b throws(ImagingError) in try JPEGHeader.parse(b) }
        let decoded = try Codec.decode(data, header: header, minWidth: 1, minHeight: 1)
        return meanLuma(decoded.image.y)
    }

    static func meanLuma(_ plane: Plane) -> Double {
        guard !plane.pixels.isEmpty else { return 0 }
        var sum = 0
        for v in plane.pixels { sum &+= Int(v) }
        return Double(sum) / Double(plane.pixels.count)
    }
}
