#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progressive JPEGs send the DC coefficients in their own scans. For a 1/8
/// scale decode (one value per 8×8 block) only those are needed, so the AC scans
/// can be dropped before decoding: the detector then costs a fraction of a full
/// progressive decode. Every byte is still walked (to the next marker), so a
/// stream that ends early is reported as truncated.
enum ScanFilter {
    /// The stream without its AC scans, or nil when it is not a progressive
    /// Huffman JPEG (sequential scans interleave DC and AC and must be decoded whole).
    static func dcOnly(_ data: [UInt8], header: JPEGHeader) throws(ImagingError) -> [UInt8]? {
        guard header.sofMarker == 0xC2 else { return nil }
        return try filter(data) { ss, _, _ in ss == 0 }
    }

    /// Drops the last AC refinement scans (Ah > 0, Al = 0): they carry the least
    /// significant bit of the AC coefficients, which a ≤ 1/4 DCT-scaled decode
    /// of a finely quantised image followed by a downscale cannot show.
    static func withoutFinalACRefinement(_ data: [UInt8], header: JPEGHeader) throws(ImagingError) -> [UInt8]? {
        guard header.sofMarker == 0xC2 else { return nil }
        return try filter(data) { ss, ah, al in !(ss > 0 && ah > 0 && al == 0) }
    }

    /// Copies every segment, and the scans (header + entropy data) for which
    /// `keep(Ss, Ah, Al)` is true.
    static func filter(_ data: [UInt8], keep: (UInt8, UInt8, UInt8) -> Bool) throws(ImagingError) -> [UInt8] {
        return try data.withUnsafeBufferPointer { d throws(ImagingError) -> [UInt8] in
            var out = [UInt8]()
            out.reserveCapacity(d.count / 4)
            out.append(0xFF); out.append(0xD8)
            var pos = 2
            while true {
                while pos < d.count && d[pos] != 0xFF { pos += 1 }  // stray bytes, as libjpeg
                guard pos + 1 < d.count else { throw .truncated("the stream ends before the end-of-image marker") }
                var m = pos + 1
                while m < d.count && d[m] == 0xFF { m += 1 }
                guard m < d.count else { throw .truncated("the stream ends inside a marker") }
                let marker = d[m]
                if marker == 0xD9 {
                    out.append(0xFF); out.append(0xD9)
                    return out
                }
                guard m + 2 < d.count else { throw .truncated("the stream ends inside a segment") }
                let length = Int(d[m + 1]) << 8 | Int(d[m + 2])
                let segmentEnd = m + 1 + length
                guard length >= 2, segmentEnd <= d.count else { throw .truncated("the stream ends inside a segment") }
                if marker != 0xDA {
                    out.append(contentsOf: d[pos..<segmentEnd])
                    pos = segmentEnd
                    continue
                }
                // SOS: Ns, Ns × (id, tables), Ss, Se, Ah/Al; then entropy-coded data up
                // to the next marker that is neither a stuffed 0xFF00 nor a restart.
                let ns = Int(d[m + 3])
                guard length >= 6 + 2 * ns else { throw .corrupt("short scan header") }
                let ss = d[m + 3 + 1 + 2 * ns]
                let ahal = d[m + 3 + 3 + 2 * ns]
                var e = segmentEnd
                while true {
                    guard e + 1 < d.count,
                          let hit = memchr(d.baseAddress! + e, 0xFF, d.count - e - 1) else {
                        throw .truncated("the stream ends inside a scan")
                    }
                    e = UnsafeRawPointer(hit) - UnsafeRawPointer(d.baseAddress!)
                    let n = d[e + 1]
                    if n != 0x00 && !(0xD0...0xD7).contains(n) && n != 0xFF { break }
                    e += (n == 0xFF) ? 1 : 2
                }
                if keep(ss, ahal >> 4, ahal & 0x0F) { out.append(contentsOf: d[pos..<e]) }
                pos = e
            }
        }
    }
}
