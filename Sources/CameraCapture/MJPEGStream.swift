/// The first complete JPEG of an MJPEG-over-HTTP stream (`multipart/x-mixed-replace`): many cheap cameras offer
/// only that. The JPEG is found by walking its own structure (segment lengths, then the entropy-coded data up to
/// the marker that ends it), not by searching for an end marker, which an embedded EXIF thumbnail also has.
enum MJPEGStream {
    /// The first whole JPEG in `bytes`, or nil while more bytes are needed.
    static func firstJPEG(in bytes: [UInt8]) -> [UInt8]? {
        guard let soi = startOfImage(in: bytes) else { return nil }
        var i = soi + 2
        while i + 1 < bytes.count {
            guard bytes[i] == 0xFF else { return nil }  // not a marker where one must be: wait (or garbage)
            let marker = bytes[i + 1]
            switch marker {
            case 0xFF:
                i += 1  // fill byte
            case 0xD9:
                return Array(bytes[soi...(i + 1)])
            case 0x01, 0xD0...0xD7:
                i += 2
            default:
                guard i + 3 < bytes.count else { return nil }
                let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
                guard length >= 2 else { return nil }
                i += 2 + length
                if marker == 0xDA {
                    // Entropy-coded data: ends at the first FF not followed by 00 (stuffing) or a restart marker.
                    while i + 1 < bytes.count {
                        if bytes[i] == 0xFF {
                            let next = bytes[i + 1]
                            if next == 0x00 || (0xD0...0xD7).contains(next) { i += 2; continue }
                            if next == 0xFF { i += 1; continue }
                            break
                        }
                        i += 1
                    }
                }
            }
        }
        return nil
    }

    static func startOfImage(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for i in 0..<(bytes.count - 1) where bytes[i] == 0xFF && bytes[i + 1] == 0xD8 { return i }
        return nil
    }
}
