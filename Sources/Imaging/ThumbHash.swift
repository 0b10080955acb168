
/// ThumbHash: a ~25-byte placeholder of an image (its average colour, aspect ratio and a few low-frequency DCT terms
/// of luminance, two chroma channels and alpha), which the dashboard paints while the thumbnail loads.
///
/// The encoder follows the format's reference implementation bit for bit (every rounding is JavaScript's
/// `Math.round`, half up), so hashes equal the reference's for the same pixels; `ThumbHashTests` checks this against
/// vectors the reference produced.
public enum ThumbHash {
    /// The largest side the format encodes; larger images are reduced first (``placeholder(of:)``).
    public static let maxSide = 100

    /// The ThumbHash of `width × height` RGBA pixels (row by row, not premultiplied). Sides must be 1…100.
    public static func encode(width w: Int, height h: Int, rgba: [UInt8]) -> [UInt8] {
        precondition(w >= 1 && h >= 1 && w <= maxSide && h <= maxSide && rgba.count == w * h * 4, "ThumbHash takes 1…100 px sides")
        let n = w * h
        // The average colour, weighted by alpha.
        var avgR = 0.0, avgG = 0.0, avgB = 0.0, avgA = 0.0
        for i in 0..<n {
            let alpha = Double(rgba[4 * i + 3]) / 255
            avgR += alpha / 255 * Double(rgba[4 * i])
            avgG += alpha / 255 * Double(rgba[4 * i + 1])
            avgB += alpha / 255 * Double(rgba[4 * i + 2])
            avgA += alpha
        }
        if avgA > 0 { avgR /= avgA; avgG /= avgA; avgB /= avgA }

        let hasAlpha = avgA < Double(n)
        let lLimit = hasAlpha ? 5.0 : 7.0  // fewer luminance terms when alpha needs the room
        let longest = Double(max(w, h))
        let lx = max(1, round(lLimit * Double(w) / longest))
        let ly = max(1, round(lLimit * Double(h) / longest))

        // RGBA → LPQA, composited over the average colour.
        var l = [Double](repeating: 0, count: n), p = l, q = l, a = l
        for i in 0..<n {
            let alpha = Double(rgba[4 * i + 3]) / 255
            let r = avgR * (1 - alpha) + alpha / 255 * Double(rgba[4 * i])
            let g = avgG * (1 - alpha) + alpha / 255 * Double(rgba[4 * i + 1])
            let b = avgB * (1 - alpha) + alpha / 255 * Double(rgba[4 * i + 2])
            l[i] = (r + g + b) / 3
            p[i] = (r + g) / 2 - b
            q[i] = r - g
            a[i] = alpha
        }

        let lum = channel(l, w: w, h: h, nx: max(3, lx), ny: max(3, ly))
        let yb = channel(p, w: w, h: h, nx: 3, ny: 3)
        let rg = channel(q, w: w, h: h, nx: 3, ny: 3)
        let alphaTerms = hasAlpha ? channel(a, w: w, h: h, nx: 5, ny: 5) : nil

        let isLandscape = w > h
        let header24 = round(63 * lum.dc) | (round(31.5 + 31.5 * yb.dc) << 6) | (round(31.5 + 31.5 * rg.dc) << 12)
            | (round(31 * lum.scale) << 18) | ((hasAlpha ? 1 : 0) << 23)
        let header16 = (isLandscape ? ly : lx) | (round(63 * yb.scale) << 3) | (round(63 * rg.scale) << 9) | ((isLandscape ? 1 : 0) << 15)
        var hash: [UInt8] = [UInt8(header24 & 255), UInt8((header24 >> 8) & 255), UInt8(header24 >> 16),
                             UInt8(header16 & 255), UInt8(header16 >> 8)]
        if let alphaTerms { hash.append(UInt8(round(15 * alphaTerms.dc) | (round(15 * alphaTerms.scale) << 4))) }

        // The AC terms, two 4-bit values per byte, low nibble first.
        let acStart = hash.count
        var index = 0
        for terms in [lum.ac, yb.ac, rg.ac] + (alphaTerms.map { [$0.ac] } ?? []) {
            for f in terms {
                let byte = acStart + (index >> 1)
                if byte == hash.count { hash.append(0) }
                hash[byte] |= UInt8(round(15 * f) << ((index & 1) << 2))
                index += 1
            }
        }
        return hash
    }

    /// The ThumbHash of a decoded thumbnail: reduced to fit 100×100 (2×2 box averages), converted to RGB.
    static func placeholder(of image: YCbCrImage) -> [UInt8] {
        var source = image
        while source.width > maxSide || source.height > maxSide {
            guard source.width >= 2, source.height >= 2 else { break }
            source = source.halved()
        }
        let w = min(source.width, maxSide), h = min(source.height, maxSide)
        return encode(width: w, height: h, rgba: source.packedRGB(width: w, height: h, alpha: true))
    }

    /// JavaScript's `Math.round` (half up) of a non-negative value, which is all the format rounds.
    private static func round(_ value: Double) -> Int { Int((value + 0.5).rounded(.down)) }

    /// The DC term, the AC terms normalised to 0…1, and their scale, of one channel's DCT (a triangle of terms).
    private static func channel(_ values: [Double], w: Int, h: Int, nx: Int, ny: Int) -> (dc: Double, ac: [Double], scale: Double) {
        var dc = 0.0, ac: [Double] = [], scale = 0.0
        var fx = [Double](repeating: 0, count: w)
        for cy in 0..<ny {
            var cx = 0
            while cx * ny < nx * (ny - cy) {
                var f = 0.0
                for x in 0..<w { fx[x] = FdlibmCosine.cos(Double.pi / Double(w) * Double(cx) * (Double(x) + 0.5)) }
                for y in 0..<h {
                    let fy = FdlibmCosine.cos(Double.pi / Double(h) * Double(cy) * (Double(y) + 0.5))
                    for x in 0..<w { f += values[x + y * w] * fx[x] * fy }
                }
                f /= Double(w * h)
                if cx > 0 || cy > 0 {
                    ac.append(f)
                    scale = max(scale, abs(f))
                } else {
                    dc = f
                }
                cx += 1
            }
        }
        if scale > 0 { ac = ac.map { 0.5 + 0.5 / scale * $0 } }
        return (dc, ac, scale)
    }
}
