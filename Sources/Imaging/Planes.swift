#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        return YCbCrImage(
            y: Resampler.resize(y, width: width, height: height),
            cb: cb.map { Resampler.resize($0, width: cw, height: ch) },
            cr: cr.map { Resampler.resize($0, width: cw, height: ch) })
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

    struct Coefficients {
        var taps: Int
        var starts: [Int]
        var weights: [Int32]  // outSize * taps
    }

    static func lanczos3(_ x: Double) -> Double {
        let ax = abs(x)
        if ax >= 3 { return 0 }
        if ax < 1e-9 { return 1 }
        let px = Double.pi * x
        return 3 * sin(px) * sin(px / 3) / (px * px)
    }

    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 3.0 * filterScale
        var taps = Int(support.rounded(.up)) * 2 + 1
        taps = min(taps, inSize)
        var starts = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var tmp = [Double](repeating: 0, count: taps + 2)
        for x in 0..<outSize {
            let center = (Double(x) + 0.5) * scale
            var xmin = Int((center - support + 0.5).rounded(.down))
            var xmax = Int((center + support + 0.5).rounded(.down))
            xmin = max(xmin, 0)
            xmax = min(xmax, inSize)
            var n = xmax - xmin
            if n > taps { n = taps }
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
        return Coefficients(taps: taps, starts: starts, weights: weights)
    }

    static func resize(_ p: Plane, width: Int, height: Int) -> Plane {
        if p.width == width && p.height == height { return p }
        var cur = p
        if p.height != height { cur = vertical(cur, height: height) }
        if p.width != width { cur = horizontal(cur, width: width) }
        return cur
    }

    static func vertical(_ p: Plane, height outH: Int) -> Plane {
        let c = coefficients(inSize: p.height, outSize: outH)
        let w = p.width
        var out = [UInt8](repeating: 0, count: w * outH)
        var acc = [Int32](repeating: 0, count: w)
        let round = Int32(1) << (precisionBits - 1)
        let taps = c.taps
        p.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                acc.withUnsafeMutableBufferPointer { a in
                    c.weights.withUnsafeBufferPointer { wts in
                        let s = src.baseAddress!, d = dst.baseAddress!, ap = a.baseAddress!
                        for y in 0..<outH {
                            for x in 0..<w { ap[x] = round }
                            let start = c.starts[y]
                            for k in 0..<taps {
                                let wk = wts[y * taps + k]
                                if wk == 0 { continue }
                                let row = s + (start + k) * w
                                for x in 0..<w { ap[x] &+= Int32(row[x]) &* wk }
                            }
                            let drow = d + y * w
                            for x in 0..<w {
                                let v = ap[x] >> precisionBits
                                drow[x] = UInt8(truncatingIfNeeded: v < 0 ? 0 : (v > 255 ? 255 : v))
                            }
                        }
                    }
                }
            }
        }
        return Plane(width: w, height: outH, pixels: out)
    }

    static func horizontal(_ p: Plane, width outW: Int) -> Plane {
        let c = coefficients(inSize: p.width, outSize: outW)
        let h = p.height, inW = p.width
        var out = [UInt8](repeating: 0, count: outW * h)
        let round = Int32(1) << (precisionBits - 1)
        let taps = c.taps
        p.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { wts in
                    c.starts.withUnsafeBufferPointer { sts in
                        let s = src.baseAddress!, d = dst.baseAddress!, wp = wts.baseAddress!
                        for y in 0..<h {
                            let row = s + y * inW
                            let drow = d + y * outW
                            for x in 0..<outW {
                                let px = row + sts[x]
                                let wx = wp + x * taps
                                var sum = round
                                for k in 0..<taps { sum &+= Int32(px[k]) &* wx[k] }
                                let v = sum >> precisionBits
                                drow[x] = UInt8(truncatingIfNeeded: v < 0 ? 0 : (v > 255 ? 255 : v))
                            }
                        }
                    }
                }
            }
        }
        return Plane(width: outW, height: h, pixels: out)
    }
}
