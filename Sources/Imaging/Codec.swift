import CVips
import CVipsShim

/// Outcome of decoding a whole JPEG stream.
struct DecodedImage: Sendable {
    var image: YCbCrImage
    /// The first libjpeg warning, when the stream had recoverable damage.
    var warning: String?
}

/// JPEG decode/encode. YCbCr JPEGs take the libjpeg-turbo planar path (DCT
/// scaling, no colour conversion or chroma upsampling); everything else (CMYK,
/// YCCK, RGB-coded, ICC-tagged, odd sampling) goes through libvips' JPEG loader
/// and is converted to sRGB.
enum Codec {
    /// Decodes the whole stream (every byte is walked, so truncation is always
    /// detected) at the smallest DCT scale that keeps the image at least
    /// `minWidth × minHeight` (stored orientation): M/8 on the libjpeg-turbo path,
    /// 1/2^k on the libvips path.
    static func decode(_ data: [UInt8], header: JPEGHeader, minWidth: Int, minHeight: Int) throws(ImagingError) -> DecodedImage {
        ImagingRuntime.initialize()
        if header.precision != 8 {
            throw .unsupported("\(header.precision)-bit samples")
        }
        if !header.hasICC {
            let m = eighths(width: header.width, height: header.height, minWidth: minWidth, minHeight: minHeight)
            if let d = try turboDecode(data, eighths: m) { return d }
        }
        let shrink = powerOfTwoShrink(width: header.width, height: header.height, minWidth: minWidth, minHeight: minHeight)
        return try vipsDecode(data, header: header, shrink: shrink)
    }

    /// Smallest M in 1…8 with ⌈dim·M/8⌉ ≥ the minimum in both directions.
    static func eighths(width: Int, height: Int, minWidth: Int, minHeight: Int) -> Int {
        for m in 1...8 where (width * m + 7) / 8 >= minWidth && (height * m + 7) / 8 >= minHeight {
            return m
        }
        return 8
    }

    /// Largest 1/2^k (k ≤ 3) that keeps the image at least the minimum size, rounding down: libvips' shrink-on-load
    /// of a side shorter than the shrink makes an image of zero width or height, and libvips then aborts the whole
    /// process on an assertion (found by the imaging fuzzer with a 1-pixel-wide Adobe JPEG).
    static func powerOfTwoShrink(width: Int, height: Int, minWidth: Int, minHeight: Int) -> Int {
        for s in [8, 4, 2] where width / s >= max(minWidth, 1) && height / s >= max(minHeight, 1) {
            return s
        }
        return 1
    }

    private static func turboError(_ handle: tjhandle?, fallback: String) -> String {
        guard let handle, let s = tjGetErrorStr2(handle) else { return fallback }
        return String(cString: s)
    }

    static func classify(_ message: String) -> ImagingError {
        let m = message.lowercased()
        if m.contains("premature end of jpeg file") || m.contains("premature end of input") || m.contains("truncated") {
            return .truncated(message)
        }
        if m.contains("unsupported") || m.contains("precision") || m.contains("arithmetic") || m.contains("not implemented") {
            return .unsupported(message)
        }
        if m.contains("not a jpeg") { return .notJPEG("unknown") }
        return .corrupt(message)
    }

    /// nil: this JPEG's colour space or sampling is not for the planar path.
    private static func turboDecode(_ data: [UInt8], eighths m: Int) throws(ImagingError) -> DecodedImage? {
        guard let handle = tjInitDecompress() else { throw .corrupt("cannot create a JPEG decoder") }
        defer { tjDestroy(handle) }
        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, cs: Int32 = 0
        let hr = data.withUnsafeBufferPointer { b in
            tjDecompressHeader3(handle, b.baseAddress, UInt(b.count), &w, &h, &subsamp, &cs)
        }
        // A warning here (stray bytes between segments) comes back from the decode too.
        if hr != 0 && (tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) || w <= 0 || h <= 0) {
            throw classify(turboError(handle, fallback: "bad header"))
        }
        guard cs == Int32(TJCS_YCbCr.rawValue) || cs == Int32(TJCS_GRAY.rawValue),
              subsamp >= 0, subsamp < Int32(TJ_NUMSAMP) else { return nil }
        // TJSCALED: libjpeg picks the M/8 IDCT that yields exactly this size.
        let sw = (Int(w) * m + 7) / 8
        let sh = (Int(h) * m + 7) / 8
        let grey = subsamp == Int32(TJSAMP_GRAY.rawValue)
        let count = grey ? 1 : 3
        var dims: [(Int, Int)] = []
        for c in 0..<count {
            let pw = Int(tjPlaneWidth(Int32(c), Int32(sw), subsamp))
            let ph = Int(tjPlaneHeight(Int32(c), Int32(sh), subsamp))
            guard pw > 0, ph > 0 else { return nil }
            dims.append((pw, ph))
        }
        // One allocation per plane, pinned while libjpeg writes into them.
        let raw = dims.map { UnsafeMutablePointer<UInt8>.allocate(capacity: $0.0 * $0.1) }
        defer { for p in raw { p.deallocate() } }
        var planePointers: [UnsafeMutablePointer<UInt8>?] = raw
        var strides = dims.map { Int32($0.0) }
        let rc = data.withUnsafeBufferPointer { b in
            tjDecompressToYUVPlanes(handle, b.baseAddress, UInt(b.count), &planePointers,
                                    Int32(sw), &strides, Int32(sh), 0)
        }
        var warning: String? = nil
        if rc != 0 {
            let message = turboError(handle, fallback: "decode failed")
            if tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) {
                // libjpeg recovered, filling what it could not decode with grey. A
                // stream that ends early (or whose scan data stops before the next
                // marker, as when a cut upload gets an EOI appended) is truncated;
                // stray bytes between segments are harmless; anything else (bad
                // Huffman codes…) means damaged pixels. Only the first warning is
                // reported by TurboJPEG.
                let lower = message.lowercased()
                if lower.contains("premature end") || !data.endsWithEOI() {
                    throw .truncated(message)
                }
                guard lower.contains("extraneous bytes") else { throw .corrupt(message) }
                warning = message
            } else {
                throw classify(message)
            }
        }
        let planes = zip(dims, raw).map { d, p in
            Plane(width: d.0, height: d.1, pixels: [UInt8](UnsafeBufferPointer(start: p, count: d.0 * d.1)))
        }
        let image = grey ? YCbCrImage(y: planes[0], cb: nil, cr: nil)
                         : YCbCrImage(y: planes[0], cb: planes[1], cr: planes[2])
        return DecodedImage(image: image, warning: warning)
    }

    /// libvips' JPEG loader (never a generic loader) with fail_on=truncated; the
    /// whole stream is pulled by write_to_memory, where truncation surfaces.
    private static func vipsDecode(_ data: [UInt8], header: JPEGHeader, shrink: Int) throws(ImagingError) -> DecodedImage {
        var owned: [OpaquePointer?] = []
        defer { for p in owned { tl_unref(UnsafeMutablePointer(p)) } }
        func step(_ what: String, _ body: (inout UnsafeMutablePointer<VipsImage>?) -> Int32) throws(ImagingError) -> UnsafeMutablePointer<VipsImage> {
            var out: UnsafeMutablePointer<VipsImage>? = nil
            if body(&out) != 0 || out == nil {
                if let out { tl_unref(out) }
                throw classify("\(what): \(takeVipsError())")
            }
            owned.append(OpaquePointer(out))
            return out!
        }
        var image = try data.withUnsafeBufferPointer { b throws(ImagingError) in
            try step("load") { out in tl_jpegload_buffer(b.baseAddress, b.count, Int32(shrink), 1, &out) }
        }
        let interpretation = tl_image_interpretation(image)
        if tl_image_has_icc(image) != 0 {
            let src = image
            image = try step("icc") { out in tl_icc_to_srgb(src, &out) }
        } else if interpretation != VIPS_INTERPRETATION_sRGB && interpretation != VIPS_INTERPRETATION_RGB {
            let src = image
            image = try step("colourspace") { out in tl_colourspace(src, &out, VIPS_INTERPRETATION_sRGB) }
        }
        if tl_image_bands(image) > 3 {
            let src = image
            image = try step("bands") { out in tl_extract_bands(src, &out, 0, 3) }
        } else if tl_image_bands(image) < 3 {
            let src = image
            image = try step("colourspace") { out in tl_colourspace(src, &out, VIPS_INTERPRETATION_sRGB) }
        }
        if tl_image_format(image) != VIPS_FORMAT_UCHAR {
            let src = image
            image = try step("cast") { out in tl_cast_uchar(src, &out) }
        }
        let width = Int(tl_image_width(image)), height = Int(tl_image_height(image))
        guard tl_image_bands(image) == 3 else { throw .unsupported("cannot convert to 3-band sRGB") }
        var size: Int = 0
        guard let mem = vips_image_write_to_memory(image, &size) else {
            throw classify(takeVipsError())
        }
        defer { tl_free(mem) }
        guard size == width * height * 3 else { throw .corrupt("unexpected pixel buffer size") }
        let rgb = [UInt8](UnsafeRawBufferPointer(start: mem, count: size))
        return DecodedImage(image: YCbCrImage.fromRGB(rgb, width: width, height: height), warning: nil)
    }

    /// Baseline JPEG, 4:2:0, from planes already sized for 4:2:0 (or luma alone:
    /// neutral chroma is added so the output is always 3-component).
    static func encode(_ image: YCbCrImage, quality: Int) throws(ImagingError) -> EncodedImage {
        let w = image.width, h = image.height
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        let cb = image.cb ?? Plane(width: cw, height: ch, filledWith: 128)
        let cr = image.cr ?? Plane(width: cw, height: ch, filledWith: 128)
        precondition(cb.width == cw && cb.height == ch && cr.width == cw && cr.height == ch)
        // libjpeg-turbo reads a 4:2:0 luma plane of even width and height (tjPlaneWidth/tjPlaneHeight): an odd one
        // (a 200×113 thumbnail) is padded, or the encoder reads past its last row (found by the imaging fuzzer).
        let luma = image.y.padded(toWidth: 2 * cw, height: 2 * ch)
        guard let handle = tjInitCompress() else { throw .corrupt("cannot create a JPEG encoder") }
        defer { tjDestroy(handle) }
        var strides: [Int32] = [Int32(luma.width), Int32(cw), Int32(cw)]
        var out: UnsafeMutablePointer<UInt8>? = nil
        var outSize: UInt = 0
        let q = Int32(max(1, min(100, quality)))
        let rc = luma.pixels.withUnsafeBufferPointer { yp in
            cb.pixels.withUnsafeBufferPointer { bp in
                cr.pixels.withUnsafeBufferPointer { rp in
                    var planes: [UnsafePointer<UInt8>?] = [yp.baseAddress, bp.baseAddress, rp.baseAddress]
                    return planes.withUnsafeMutableBufferPointer { pp in
                        strides.withUnsafeMutableBufferPointer { st in
                            tjCompressFromYUVPlanes(handle, pp.baseAddress, Int32(w), st.baseAddress, Int32(h),
                                                    Int32(TJSAMP_420.rawValue), &out, &outSize, q, 0)
                        }
                    }
                }
            }
        }
        defer { if let out { tjFree(out) } }
        guard rc == 0, let out else { throw .corrupt("encode failed: \(turboError(handle, fallback: "unknown"))") }
        let bytes = [UInt8](UnsafeBufferPointer(start: out, count: Int(outSize)))
        return EncodedImage(bytes: bytes, width: w, height: h)
    }
}
