/// The verdict on an incoming camera frame.
public struct FrameInspection: Sendable {
    public let probe: ImageProbe
    /// 0 = looks fine … 1 = certainly corrupt.
    public let score: Double
    public let accepted: Bool
    /// Why the frame was rejected ("truncated", "corrupt", "flat_colour",
    /// "grey_band_bottom"), or a note on an accepted frame ("decoder_warning"); nil otherwise.
    public let reason: String?

    public init(probe: ImageProbe, score: Double, accepted: Bool, reason: String?) {
        self.probe = probe
        self.score = score
        self.accepted = accepted
        self.reason = reason
    }
}

/// Cheap checks for frames damaged in transit (RTSP packet loss, cut uploads).
///
/// One decode at 1/8 DCT scale walks the whole entropy-coded stream (so a
/// truncated stream is caught) and yields an image of 8×8-block means for the
/// heuristics. It is deliberately conservative: a rejected frame is lost for
/// good, so only frames that are one exact flat colour, or whose bottom band is
/// an exactly flat mid-grey fill below real content, are rejected.
public struct CorruptionDetector: Sendable {
    public let limits: ImageLimits

    public init(limits: ImageLimits = .init()) {
        self.limits = limits
        ImagingRuntime.initialize()
    }

    /// Throws for input that is not a usable JPEG at all (empty, not JPEG, too many
    /// pixels, unsupported); returns a rejected inspection for damaged streams.
    public func inspect(data: [UInt8]) throws(ImagingError) -> FrameInspection {
        let header = try VariantGenerator(limits: limits).header(data)
        let probe = header.probe
        let decoded: DecodedImage
        do {
            let stream = try ScanFilter.dcOnly(data, header: header) ?? data
            decoded = try Codec.decode(stream, header: header, minWidth: 1, minHeight: 1)
        } catch {
            switch error {
            case .truncated, .corrupt:
                return FrameInspection(probe: probe, score: 1, accepted: false, reason: error.reason)
            default:
                throw error
            }
        }
        return Self.judge(decoded, probe: probe)
    }

    /// The same verdict, from the decode the frame's variants need, which is then kept so an accepted frame's
    /// variants cost no second decode (``PendingVariants``). Falls back to ``inspect(data:)`` (and keeps nothing)
    /// when that decode is not the planar M/8 one (another colour space, an ICC profile) or fails (a damaged stream
    /// gets the verdict it always had).
    ///
    /// The heuristics see the same 8×8-block means: a decode at M/8 scale maps each 8×8 block to M×M pixels, whose
    /// mean is the block's DC term up to rounding.
    public func inspect(data: [UInt8], preparing thumbnail: VariantSpec, small: VariantSpec?,
                        transform: FrameTransform = .identity) throws(ImagingError) -> InspectedFrame {
        let header = try VariantGenerator(limits: limits).header(data)
        let plan = VariantPlan(header: header, thumbnail: thumbnail, small: small, transform: transform)
        let m = Codec.eighths(width: header.width, height: header.height, minWidth: plan.minimum.width, minHeight: plan.minimum.height)
        guard header.precision == 8, !header.hasICC, let decoded = try? plan.decode(data),
              decoded.image.width == (header.width * m + 7) / 8, decoded.image.height == (header.height * m + 7) / 8
        else { return InspectedFrame(inspection: try inspect(data: data), variants: nil) }
        let inspection = Self.judge(DecodedImage(image: decoded.image.boxAveraged(factor: m), warning: decoded.warning),
                                    probe: header.probe)
        return InspectedFrame(inspection: inspection,
                              variants: inspection.accepted ? PendingVariants(plan: plan, decoded: decoded, transform: transform) : nil)
    }

    static func judge(_ decoded: DecodedImage, probe: ImageProbe) -> FrameInspection {
        let img = decoded.image
        let warned = decoded.warning != nil
        // 1. One flat colour: every 8×8 block mean within ±1 in every plane.
        let ranges = [img.y, img.cb, img.cr].compactMap { $0 }.map { range(of: $0.pixels) }
        let maxRange = ranges.max() ?? 0
        if maxRange <= 2 {
            return FrameInspection(probe: probe, score: 1, accepted: false, reason: "flat_colour")
        }
        // 2. Bottom band of exactly flat mid-grey (the decoder's fill for lost slices)
        //    under rows that have real content.
        let band = greyBandRows(img)
        let minRows = max(2, (img.height * 3 + 99) / 100)
        if band >= minRows && band < img.height {
            let fraction = Double(band) / Double(img.height)
            return FrameInspection(probe: probe, score: min(1, 0.7 + 0.3 * fraction), accepted: false,
                                   reason: "grey_band_bottom")
        }
        var score = 0.0
        if warned { score += 0.3 }
        if maxRange <= 6 { score += 0.2 }
        if band > 0 { score += 0.1 }
        return FrameInspection(probe: probe, score: score, accepted: true, reason: warned ? "decoder_warning" : nil)
    }

    static func range(of p: [UInt8]) -> Int {
        guard var lo = p.first else { return 0 }
        var hi = lo
        for v in p {
            if v < lo { lo = v }
            if v > hi { hi = v }
        }
        return Int(hi) - Int(lo)
    }

    /// Number of bottom luma rows (in 1/8-scale pixels) that are mid-grey with
    /// range ≤ 2 (whole band, chroma neutral), provided the rows just above the
    /// band have real content.
    static func greyBandRows(_ img: YCbCrImage) -> Int {
        let w = img.width, h = img.height
        guard h >= 4 else { return 0 }
        var lo: UInt8 = 255, hi: UInt8 = 0
        var rows = 0
        img.y.pixels.withUnsafeBufferPointer { y in
            var r = h - 1
            while r >= 0 {
                var rlo = lo, rhi = hi
                for x in 0..<w {
                    let v = y[r * w + x]
                    rlo = min(rlo, v)
                    rhi = max(rhi, v)
                }
                if rlo < 122 || rhi > 134 || Int(rhi) - Int(rlo) > 2 { break }
                lo = rlo; hi = rhi
                rows += 1
                r -= 1
            }
        }
        guard rows > 0, rows < h else { return rows }
        // Chroma of the band must be neutral too.
        for c in [img.cb, img.cr].compactMap({ $0 }) {
            let cRows = max(0, (rows * c.height) / h - 1)
            if cRows > 0 {
                let band = c.pixels[((c.height - cRows) * c.width)...]
                let r = range(of: Array(band))
                if r > 2 { return 0 }
                if let v = band.first, v < 122 || v > 134 { return 0 }
            }
        }
        // One of the few rows above the band must carry content (a hard edge, not
        // fog fading out). A few rows, because libjpeg smooths block edges when it
        // decodes the DC scans of a progressive JPEG alone.
        let bandMean = (Int(lo) + Int(hi)) / 2
        var edge = false
        for above in stride(from: h - rows - 1, through: max(0, h - rows - 3), by: -1) {
            let row = Array(img.y.pixels[(above * w)..<((above + 1) * w)])
            let mean = row.reduce(0) { $0 + Int($1) } / max(w, 1)
            if range(of: row) > 6 || abs(mean - bandMean) > 6 { edge = true }
        }
        if !edge { return 0 }
        return rows
    }
}

/// A frame's verdict and, when it was accepted from its variants' own decode, what makes them.
public struct InspectedFrame: Sendable {
    public let inspection: FrameInspection
    public let variants: PendingVariants?

    /// A verdict with nothing prepared.
    public init(inspection: FrameInspection) {
        self.inspection = inspection
        variants = nil
    }

    init(inspection: FrameInspection, variants: PendingVariants?) {
        self.inspection = inspection
        self.variants = variants
    }
}

/// An accepted frame's decode at its variants' scale and the plan that turns it into them: the variants without a
/// second decode. It holds the decoded planes (about a quarter of the frame's pixels at 1080p); make them soon.
public struct PendingVariants: Sendable {
    let plan: VariantPlan
    let decoded: DecodedImage
    /// The request the variants answer: a job wanting anything else decodes the frame itself.
    public var thumbnail: VariantSpec { plan.thumbnail }
    public var small: VariantSpec? { plan.small }
    public let transform: FrameTransform

    /// The variants, exactly as ``VariantGenerator/makeVariants(data:thumbnail:small:transform:)`` makes them.
    public func make() throws(ImagingError) -> GeneratedVariants {
        try plan.variants(from: decoded)
    }
}
