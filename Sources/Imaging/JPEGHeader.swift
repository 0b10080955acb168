/// What the JPEG markers before the first scan say. Parsed in Swift so that
/// nothing but bytes we have recognised as a JPEG ever reaches a decoder, and
/// so that the pixel limit is enforced before any allocation.
struct JPEGHeader: Sendable, Equatable {
    var width: Int
    var height: Int
    var precision: Int
    var components: Int
    var sofMarker: UInt8
    var orientation: Int
    var hasICC: Bool
    /// Adobe APP14 colour transform byte, if present.
    var adobeTransform: Int?
    /// Largest entry of the quantisation tables defined before the frame header
    /// (0 when there are none).
    var maxQuantizer: Int = 0
    /// Horizontal and vertical sampling factors of a component.
    struct Sampling: Sendable, Equatable {
        var h: Int
        var v: Int
    }

    /// The sampling factors of each component, in frame header order.
    var sampling: [Sampling] = []

    /// Progressive streams keep every DCT coefficient of the image in memory while they decode.
    var isProgressive: Bool { [0xC2, 0xC6, 0xCA, 0xCE].contains(sofMarker) }

    var isArithmetic: Bool { sofMarker >= 0xC9 && sofMarker != 0xCC }

    var probe: ImageProbe { ImageProbe(width: width, height: height, orientation: orientation) }

    /// `FF D8 FF`: the only magic we accept.
    static func hasJPEGMagic(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        data.count >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF
    }

    /// A guess at what non-JPEG bytes are, for error messages.
    static func sniff(_ data: UnsafeBufferPointer<UInt8>) -> String {
        func starts(_ s: [UInt8], at o: Int = 0) -> Bool {
            data.count >= o + s.count && zip(s, data[o..<(o + s.count)]).allSatisfy { $0 == $1 }
        }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "png" }
        if starts(Array("GIF8".utf8)) { return "gif" }
        if starts(Array("%PDF".utf8)) { return "pdf" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "webp" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "tiff" }
        if starts(Array("BM".utf8)) { return "bmp" }
        // Text formats: skip a BOM and leading white space, then look at the start.
        var i = 0
        if starts([0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < data.count, data[i] == 0x20 || data[i] == 0x09 || data[i] == 0x0A || data[i] == 0x0D { i += 1 }
        let headLength = min(data.count - i, 512)
        let head = String(decoding: data[i..<(i + headLength)], as: UTF8.self).lowercased()
        if head.hasPrefix("<svg") || (head.hasPrefix("<?xml") && head.contains("<svg")) { return "svg" }
        if head.hasPrefix("<!doctype html") || head.hasPrefix("<html") || head.hasPrefix("<head")
            || head.hasPrefix("<body") || head.hasPrefix("<!--") || head.contains("<html") {
            return "html"
        }
        if head.hasPrefix("<?xml") { return "xml" }
        if head.hasPrefix("{") || head.hasPrefix("[") { return "json" }
        return "unknown"
    }

    /// Parses markers up to the frame header (SOFn). Throws typed errors for
    /// empty, non-JPEG, truncated-header, corrupt-header and unsupported input.
    static func parse(_ data: UnsafeBufferPointer<UInt8>) throws(ImagingError) -> JPEGHeader {
        if data.isEmpty { throw .empty }
        guard hasJPEGMagic(data) else { throw .notJPEG(sniff(data)) }
        var orientation = 1
        var hasICC = false
        var adobe: Int? = nil
        var maxQuantizer = 0
        var pos = 2
        while true {
            // Find the next marker: 0xFF, possibly padded with more 0xFF.
            // Stray bytes between segments are skipped, as libjpeg does (with a warning).
            while pos < data.count && data[pos] != 0xFF { pos += 1 }
            guard pos < data.count else { throw .truncated("the header ends before the frame header") }
            while pos < data.count && data[pos] == 0xFF { pos += 1 }
            guard pos < data.count else { throw .truncated("the header ends before the frame header") }
            let marker = data[pos]
            pos += 1
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }  // stand-alone
            if marker == 0xD9 { throw .corrupt("end of image before any frame header") }
            if marker == 0xD8 || marker == 0x00 { throw .corrupt("unexpected marker 0x\(hex(marker))") }
            guard pos + 2 <= data.count else { throw .truncated("the header ends inside a segment") }
            let length = Int(data[pos]) << 8 | Int(data[pos + 1])
            guard length >= 2 else { throw .corrupt("segment length \(length)") }
            guard pos + length <= data.count else { throw .truncated("the header ends inside a segment") }
            let body = pos + 2
            let bodyLength = length - 2
            if marker == 0xDA { throw .corrupt("scan before any frame header") }
            if (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
                guard bodyLength >= 6 else { throw .corrupt("short frame header") }
                let precision = Int(data[body])
                let height = Int(data[body + 1]) << 8 | Int(data[body + 2])
                let width = Int(data[body + 3]) << 8 | Int(data[body + 4])
                let components = Int(data[body + 5])
                guard width > 0 else { throw .corrupt("zero width") }
                guard height > 0 else { throw .unsupported("height defined by a DNL marker") }
                guard [1, 3, 4].contains(components) else { throw .unsupported("\(components) colour components") }
                guard bodyLength >= 6 + 3 * components else { throw .corrupt("short frame header") }
                let sampling = (0..<components).map { i in
                    Sampling(h: max(1, Int(data[body + 7 + 3 * i] >> 4)), v: max(1, Int(data[body + 7 + 3 * i] & 0x0F)))
                }
                return JPEGHeader(width: width, height: height, precision: precision, components: components,
                                  sofMarker: marker, orientation: orientation, hasICC: hasICC,
                                  adobeTransform: adobe, maxQuantizer: maxQuantizer, sampling: sampling)
            }
            switch marker {
            case 0xE1:
                if let o = exifOrientation(data, start: body, count: bodyLength), orientation == 1 { orientation = o }
            case 0xE2:
                if matches(data, at: body, count: bodyLength, "ICC_PROFILE\0") { hasICC = true }
            case 0xDB:
                var q = body
                while q < body + bodyLength {
                    let wide = data[q] >> 4 != 0
                    let size = wide ? 128 : 64
                    guard q + 1 + size <= body + bodyLength else { break }
                    for i in 0..<64 {
                        let v = wide ? Int(data[q + 1 + 2 * i]) << 8 | Int(data[q + 2 + 2 * i]) : Int(data[q + 1 + i])
                        maxQuantizer = max(maxQuantizer, v)
                    }
                    q += 1 + size
                }
            case 0xEE:
                if bodyLength >= 12, matches(data, at: body, count: bodyLength, "Adobe") {
                    adobe = Int(data[body + 11])
                }
            default:
                break
            }
            pos += length
        }
    }

    private static func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }

    private static func matches(_ d: UnsafeBufferPointer<UInt8>, at start: Int, count: Int, _ s: String) -> Bool {
        let sig = Array(s.utf8)
        guard count >= sig.count else { return false }
        for i in 0..<sig.count where d[start + i] != sig[i] { return false }
        return true
    }

    /// Orientation tag (0x0112) of IFD0 of an APP1 Exif segment, if present and valid.
    static func exifOrientation(_ d: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> Int? {
        guard matches(d, at: start, count: count, "Exif\0\0") else { return nil }
        let tiff = start + 6
        let end = start + count
        guard tiff + 8 <= end else { return nil }
        let little: Bool
        switch (d[tiff], d[tiff + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= tiff, o + 2 <= end else { return nil }
            return little ? Int(d[o]) | Int(d[o + 1]) << 8 : Int(d[o]) << 8 | Int(d[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(tiff + 2) == 42, let ifd = u32(tiff + 4), ifd >= 8 else { return nil }
        let ifdStart = tiff + ifd
        guard let n = u16(ifdStart), n < 1000 else { return nil }
        for i in 0..<n {
            let e = ifdStart + 2 + i * 12
            guard let tag = u16(e) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(e + 2), type == 3, let value = u16(e + 8), (1...8).contains(value) else { return nil }
                return value
            }
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// True when an EOI marker appears in the last KiB (a short trailer after EOI is allowed).
    func endsWithEOI() -> Bool {
        guard count >= 2 else { return false }
        var j = count - 1
        let stop = Swift.max(1, count - 1024)
        while j >= stop {
            if self[j] == 0xD9 && self[j - 1] == 0xFF { return true }
            j -= 1
        }
        return false
    }
}
