#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One 8-bit image plane, rows packed (stride == width).
struct Plane: Sendable {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(width: Int, height: Int, filledWith value: UInt8) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: value, count: width * height))
    }

    /// The mean of every `factor` × `factor` block (partial blocks at the right and bottom edges averaged over what
    /// they hold), rounded: from a decode at M/8 scale with `factor` M, the 8×8-block means of the full image.
    func boxAveraged(factor: Int) -> Plane {
        guard factor > 1 else { return self }
        let w = (width + factor - 1) / factor, h = (height + factor - 1) / factor
        var out = [UInt8](repeating: 0, count: w * h)
        pixels.withUnsafeBufferPointer { source in
            for by in 0..<h {
                let y0 = by * factor, y1 = min(y0 + factor, height)
                for bx in 0..<w {
                    let x0 = bx * factor, x1 = min(x0 + factor, width)
                    var sum = 0
                    for row in y0..<y1 {
                        let base = row * width
                        for column in x0..<x1 { sum += Int(source[base + column]) }
                    }
                    let count = (y1 - y0) * (x1 - x0)
                    out[by * w + bx] = UInt8((sum + count / 2) / count)
                }
            }
        }
        return Plane(width: w, height: h, pixels: out)
    }

    /// The plane grown to `width` × `height` by repeating its last column and last row.
    func padded(toWidth newWidth: Int, height newHeight: Int) -> Plane {
        guard newWidth != width || newHeight != height else { return self }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for row in 0..<newHeight {
            let source = min(row, height - 1) * width
            let target = row * newWidth
            for column in 0..<newWidth { out[target + column] = pixels[source + min(column, width - 1)] }
        }
        return Plane(width: newWidth, height: newHeight, pixels: out)
    }
}

/// A YCbCr image: luma plus two chroma planes of any (possibly subsampled)
/// size, or luma alone for greyscale.
struct YCbCrImage: Sendable {
    var y: Plane
    var cb: Plane?
    var cr: Plane?

    var width: Int { y.width }
    var height: Int { y.height }
    var isGrey: Bool { cb == nil }

    /// Resizes to `width × height` luma with 4:2:0 chroma (what the encoder takes).
    func resized420(width: Int, height: Int) -> YCbCrImage {
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        let y2 = Resampler.resize(y, width: width, height: height)
        guard let cb, let cr else { return YCbCrImage(y: y2, cb: nil, cr: nil) }
        if cb.width == cr.width && cb.height == cr.height {
            let c = Resampler.resize([cb, cr], width: cw, height: ch)
            return YCbCrImage(y: y2, cb: c[0], cr: c[1])
        }
        return YCbCrImage(y: y2, cb: Resampler.resize(cb, width: cw, height: ch),
                          cr: Resampler.resize(cr, width: cw, height: ch))
    }

    /// ``Plane/boxAveraged(factor:)`` of every plane.
    func boxAveraged(factor: Int) -> YCbCrImage {
        YCbCrImage(y: y.boxAveraged(factor: factor), cb: cb?.boxAveraged(factor: factor), cr: cr?.boxAveraged(factor: factor))
    }

    /// 2×2 box average of every plane (odd last row/column dropped): a cheap first
    /// step before a large Lanczos reduce, as libvips' shrink and Pillow's reducing_gap do.
    func halved() -> YCbCrImage {
        YCbCrImage(y: Resampler.halve(y), cb: cb.map(Resampler.halve), cr: cr.map(Resampler.halve))
    }

    func oriented(_ orientation: Int) -> YCbCrImage {
        guard orientation != 1 else { return self }
        return YCbCrImage(y: Orientation.apply(orientation, to: y),
                          cb: cb.map { Orientation.apply(orientation, to: $0) },
                          cr: cr.map { Orientation.apply(orientation, to: $0) })
    }

    /// Full-range BT.601 (JFIF) conversion of packed RGB, chroma at full size.
    static func fromRGB(_ rgb: [UInt8], width: Int, height: Int) -> YCbCrImage {
        let n = width * height
        var y = [UInt8](repeating: 0, count: n)
        var cb = [UInt8](repeating: 0, count: n)
        var cr = [UInt8](repeating: 0, count: n)
        rgb.withUnsafeBufferPointer { s in
            y.withUnsafeMutableBufferPointer { yp in
                cb.withUnsafeMutableBufferPointer { bp in
                    cr.withUnsafeMutableBufferPointer { rp in
                        for i in 0..<n {
                            let r = Int32(s[3 * i]), g = Int32(s[3 * i + 1]), b = Int32(s[3 * i + 2])
                            // 16-bit fixed point, rounded.
                            let yy = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16
                            let u = (-11059 * r - 21709 * g + 32768 * b + (128 << 16) + 32767) >> 16
                            let v = (32768 * r - 27439 * g - 5329 * b + (128 << 16) + 32767) >> 16
                            yp[i] = UInt8(clamping: yy)
                            bp[i] = UInt8(clamping: u)
                            rp[i] = UInt8(clamping: v)
                        }
                    }
                }
            }
        }
        return YCbCrImage(y: Plane(width: width, height: height, pixels: y),
                          cb: Plane(width: width, height: height, pixels: cb),
                          cr: Plane(width: width, height: height, pixels: cr))
    }
}

/// EXIF orientation applied to a plane (output is upright).
enum Orientation {
    static func apply(_ o: Int, to p: Plane) -> Plane {
        guard (2...8).contains(o) else { return p }
        let w = p.width, h = p.height
        let swaps = o >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        var out = [UInt8](repeating: 0, count: ow * oh)
        p.pixels.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                for y in 0..<oh {
                    let row = y * ow
                    for x in 0..<ow {
                        let sx: Int, sy: Int
                        switch o {
                        case 2: sx = w - 1 - x; sy = y
                        case 3: sx = w - 1 - x; sy = h - 1 - y
                        case 4: sx = x; sy = h - 1 - y
                        case 5: sx = y; sy = x
                        case 6: sx = y; sy = h - 1 - x
                        case 7: sx = w - 1 - y; sy = h - 1 - x
                        default: sx = w - 1 - y; sy = x  // 8
                        }
                        d[row + x] = s[sy * w + sx]
                    }
                }
            }
        }
        return Plane(width: ow, height: oh, pixels: out)
    }
}

/// Separable Lanczos-3 resampling in 14-bit fixed point, window clipped and
/// renormalised at the edges (the same scheme as Pillow's resample.c), 8-bit
/// intermediate between the vertical and the horizontal pass.
enum Resampler {
    static let precisionBits: Int32 = 14

    struct Coefficients: Sendable {
        var taps: Int
        var starts: [Int]
        var weights: [Int16]  // outSize * taps
    }

    static func lanczos3(_ x: Double) -> Double {
        let ax = abs(x)
        if ax >= 3 { return 0 }
        if ax < 1e-9 { return 1 }
        let px = Double.pi * x
        return 3 * sin(px) * sin(px / 3) / (px * px)
    }

    private static let cache = Mutex<[Int: Coefficients]>([:])

    /// Memoised: frames from one camera all have the same sizes.
    static func cachedCoefficients(inSize: Int, outSize: Int) -> Coefficients {
        let key = inSize << 32 | outSize
        if let c = cache.withLock({ $0[key] }) { return c }
        let c = coefficients(inSize: inSize, outSize: outSize)
        cache.withLock { table in
            if table.count >= 256 { table.removeAll() }
            table[key] = c
        }
        return c
    }

    /// Weights per output pixel, `taps` wide (padded with zeros to a multiple of
    /// `lanes` so the SIMD loops need no tail), window kept inside the input.
    static func coefficients(inSize: Int, outSize: Int, lanes: Int = 1) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 3.0 * filterScale
        // Widest clipped window actually used (often one less than 2⌈support⌉+1).
        var needed = 1
        for x in 0..<outSize {
            let center = (Double(x) + 0.5) * scale
            let lo = max(Int((center - support + 0.5).rounded(.down)), 0)
            let hi = min(Int((center + support + 0.5).rounded(.down)), inSize)
            needed = max(needed, hi - lo)
        }
        var taps = (needed + lanes - 1) / lanes * lanes
        if taps > inSize { taps = min(needed, inSize) }
        var starts = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var tmp = [Double](repeating: 0, count: needed + 2)
        for x in 0..<outSize {
            let center = (Double(x) + 0.5) * scale
            var xmin = Int((center - support + 0.5).rounded(.down))
            var xmax = Int((center + support + 0.5).rounded(.down))
            xmin = max(xmin, 0)
            xmax = min(xmax, inSize)
            let n = min(xmax - xmin, taps, tmp.count)
            var total = 0.0
            for k in 0..<n {
                let w = lanczos3((Double(k + xmin) - center + 0.5) / filterScale)
                tmp[k] = w
                total += w
            }
            // Place the window so that start + taps stays inside the input.
            var start = xmin
            var offset = 0
            if start + taps > inSize {
                offset = start + taps - inSize
                start = inSize - taps
            }
            starts[x] = start
            let one = Double(1 << precisionBits)
            var acc: Int32 = 0
            var biggest = 0
            for k in 0..<n {
                let v = Int32((total != 0 ? tmp[k] / total : 0) * one + (tmp[k] < 0 ? -0.5 : 0.5))
                weights[x * taps + offset + k] = v
                acc += v
                if abs(tmp[k]) > abs(tmp[biggest]) { biggest = k }
            }
            // Make the integer weights sum exactly to one.
            weights[x * taps + offset + biggest] += Int32(1 << precisionBits) - acc
        }
        return Coefficients(taps: taps, starts: starts, weights: weights.map { Int16(clamping: $0) })
    }

    static func resize(_ p: Plane, width: Int, height: Int) -> Plane {
        resize([p], width: width, height: height)[0]
    }

    /// Resizes planes of equal size with one set of coefficients. The horizontal
    /// pass runs as a vertical pass on the transposed plane, because the vertical
    /// pass vectorises (16 pixels per step) and the horizontal one does not.
    static func resize(_ planes: [Plane], width: Int, height: Int) -> [Plane] {
        guard let p0 = planes.first else { return [] }
        var cur = planes
        if p0.height != height {
            let c = cachedCoefficients(inSize: p0.height, outSize: height)
            cur = cur.map { vertical($0, c) }
        }
        if p0.width != width {
            let c = cachedCoefficients(inSize: p0.width, outSize: width)
            cur = cur.map { transpose(vertical(transpose($0), c)) }
        }
        return cur
    }

    static func halve(_ p: Plane) -> Plane {
        let w = max(1, p.width / 2), h = max(1, p.height / 2)
        guard p.width >= 2, p.height >= 2 else { return p }
        let sw = p.width
        let out = [UInt8](unsafeUninitializedCapacity: w * h) { d, count in
            p.pixels.withUnsafeBufferPointer { s in
                let sp = s.baseAddress!, dp = d.baseAddress!
                for y in 0..<h {
                    let r0 = sp + (2 &* y) &* sw, r1 = r0 + sw
                    let o = dp + y &* w
                    for x in 0..<w {
                        let x2 = 2 &* x
                        let sum = UInt16(r0[x2]) &+ UInt16(r0[x2 &+ 1]) &+ UInt16(r1[x2]) &+ UInt16(r1[x2 &+ 1]) &+ 2
                        o[x] = UInt8(truncatingIfNeeded: sum >> 2)
                    }
                }
            }
            count = w * h
        }
        return Plane(width: w, height: h, pixels: out)
    }

    static func transpose(_ p: Plane) -> Plane {
        let w = p.width, h = p.height
        let out = [UInt8](unsafeUninitializedCapacity: w * h) { d, count in
            p.pixels.withUnsafeBufferPointer { s in
                let sp = s.baseAddress!, dp = d.baseAddress!
                var by = 0
                while by < h {
                    let ye = min(by + 16, h)
                    var bx = 0
                    while bx < w {
                        let xe = min(bx + 16, w)
                        for y in by..<ye {
                            var src = sp + (y &* w &+ bx)
                            var dst = dp + (bx &* h &+ y)
                            for _ in bx..<xe {
                                dst.pointee = src.pointee
                                src += 1
                                dst += h
                            }
                        }
                        bx = xe
                    }
                    by = ye
                }
            }
            count = w * h
        }
        return Plane(width: h, height: w, pixels: out)
    }

    typealias V16 = SIMD16<Int32>

    static func vertical(_ p: Plane, _ c: Coefficients) -> Plane {
        let w = p.width
        let outH = c.starts.count
        let round = Int32(1) << (precisionBits - 1)
        let taps = c.taps
        var scratch = [Int32](repeating: 0, count: w + 16)
        let out = [UInt8](unsafeUninitializedCapacity: w * outH) { dst, count in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
            let sc = UnsafeMutableRawPointer(scratchBuffer.baseAddress!)
            let si = scratchBuffer.baseAddress!
            p.pixels.withUnsafeBufferPointer { src in
                c.weights.withUnsafeBufferPointer { wts in
                    let s = src.baseAddress!, d = dst.baseAddress!
                    for y in 0..<outH {
                        let first = s + c.starts[y] * w
                        let wy = wts.baseAddress! + y * taps
                        let drow = d + y * w
                        var x = 0
                        while x + 32 <= w {
                            var acc0 = V16(repeating: round), acc1 = V16(repeating: round)
                            var row = UnsafeRawPointer(first + x)
                            for k in 0..<taps {
                                let wk = V16(repeating: Int32(wy[k]))
                                acc0 &+= V16(truncatingIfNeeded: row.loadUnaligned(as: SIMD16<UInt8>.self)) &* wk
                                acc1 &+= V16(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt8>.self)) &* wk
                                row += w
                            }
                            (sc + x &* 4).storeBytes(of: acc0, as: V16.self)
                            (sc + (x &* 4 &+ 64)).storeBytes(of: acc1, as: V16.self)
                            x += 32
                        }
                        while x + 16 <= w {
                            var acc = V16(repeating: round)
                            var row = UnsafeRawPointer(first + x)
                            for k in 0..<taps {
                                // u8 × i16 widened to i32: lowers to pmaddwd on plain SSE2.
                                let px = V16(truncatingIfNeeded: row.loadUnaligned(as: SIMD16<UInt8>.self))
                                acc &+= px &* V16(repeating: Int32(wy[k]))
                                row += w
                            }
                            (sc + x &* 4).storeBytes(of: acc, as: V16.self)
                            x += 16
                        }
                        while x < w {
                            var sum = round
                            for k in 0..<taps { sum &+= Int32(first[k &* w &+ x]) &* Int32(wy[k]) }
                            si[x] = sum
                            x += 1
                        }
                        for i in 0..<w {
                            let v = si[i] &>> precisionBits
                            drow[i] = UInt8(truncatingIfNeeded: v < 0 ? 0 : (v > 255 ? 255 : v))
                        }
                    }
                }
            }
            }
            count = w * outH
        }
        return Plane(width: w, height: outH, pixels: out)
    }
}
