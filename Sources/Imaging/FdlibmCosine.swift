/// Cosine as fdlibm computes it (the algorithm JavaScript engines use for `Math.cos`), so ThumbHash's DCT gives the
/// reference implementation's bits: the C library's `cos` differs in the last bit for a few percent of arguments,
/// which flips a quantised term now and then. Valid for |x| < 2^19·π/2 (the DCT's arguments stay below 8π).
enum FdlibmCosine {
    static func cos(_ x: Double) -> Double {
        let ix = highWord(x) & 0x7fff_ffff
        if ix <= 0x3fe9_21fb { return kernelCos(x, 0) }
        precondition(ix <= 0x4139_21fb, "argument out of the reduced range")
        let (n, y0, y1) = reduce(x)
        switch n & 3 {
        case 0: return kernelCos(y0, y1)
        case 1: return -kernelSin(y0, y1)
        case 2: return -kernelCos(y0, y1)
        default: return kernelSin(y0, y1)
        }
    }

    private static func highWord(_ x: Double) -> UInt32 { UInt32(truncatingIfNeeded: x.bitPattern >> 32) }
    private static func fromHighWord(_ high: UInt32) -> Double { Double(bitPattern: UInt64(high) << 32) }

    private static let c1 = 4.16666666666666019037e-02, c2 = -1.38888888888741095749e-03, c3 = 2.48015872894767294178e-05
    private static let c4 = -2.75573143513906633035e-07, c5 = 2.08757232129817482790e-09, c6 = -1.13596475577881948265e-11
    private static let s1 = -1.66666666666666324348e-01, s2 = 8.33333333332248946124e-03, s3 = -1.98412698298579493134e-04
    private static let s4 = 2.75573137070700676789e-06, s5 = -2.50507602534068634195e-08, s6 = 1.58969099521155010221e-10
    private static let invPio2 = 6.36619772367581382433e-01
    private static let pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11
    private static let pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21
    private static let pio2_3 = 2.02226624871116645580e-21, pio2_3t = 8.47842766036889956997e-32

    /// cos(x + y) for |x| ≤ π/4, y the tail of x.
    private static func kernelCos(_ x: Double, _ y: Double) -> Double {
        let ix = highWord(x) & 0x7fff_ffff
        if ix < 0x3e40_0000 && Int(x) == 0 { return 1 }
        let z = x * x
        let r = z * (c1 + z * (c2 + z * (c3 + z * (c4 + z * (c5 + z * c6)))))
        if ix < 0x3fd3_3333 { return 1 - (0.5 * z - (z * r - x * y)) }
        let qx = ix > 0x3fe9_0000 ? 0.28125 : fromHighWord(ix - 0x0020_0000)
        let hz = 0.5 * z - qx
        return (1 - qx) - (hz - (z * r - x * y))
    }

    /// sin(x + y) for |x| ≤ π/4, y the tail of x.
    private static func kernelSin(_ x: Double, _ y: Double) -> Double {
        let ix = highWord(x) & 0x7fff_ffff
        if ix < 0x3e40_0000 && Int(x) == 0 { return x }
        let z = x * x, v = z * x
        let r = s2 + z * (s3 + z * (s4 + z * (s5 + z * s6)))
        return x - ((z * (0.5 * y - v * r) - y) - v * s1)
    }

    /// x = n·π/2 + (y0 + y1), |y0 + y1| ≤ π/4, for medium arguments.
    private static func reduce(_ x: Double) -> (Int, Double, Double) {
        let ix = highWord(x) & 0x7fff_ffff
        let negative = x < 0
        if ix < 0x4002_d97c {  // |x| < 3π/4: n = ±1
            let sign: Double = negative ? -1 : 1
            var z = x - sign * pio2_1
            let tail: Double
            if ix != 0x3ff9_21fb {
                tail = pio2_1t
            } else {  // near π/2: 33 + 33 + 53 bits of π
                z -= sign * pio2_2
                tail = pio2_2t
            }
            let y0 = z - sign * tail
            return (negative ? -1 : 1, y0, (z - y0) - sign * tail)
        }
        let t0 = abs(x)
        let n = Int(t0 * invPio2 + 0.5)
        let fn = Double(n)
        var r = t0 - fn * pio2_1
        var w = fn * pio2_1t
        var y0 = r - w
        // A multiple of π/2 close to x cancels bits: more of π/2, as fdlibm does (its table is these high words).
        let quick = n < 32 && ix != highWord(fn * (Double.pi / 2)) & 0x7fff_ffff  // no cancellation possible
        if !quick {
            let j = Int(ix >> 20)
            if j - Int((highWord(y0) >> 20) & 0x7ff) > 16 {
                var t = r
                w = fn * pio2_2
                r = t - w
                w = fn * pio2_2t - ((t - r) - w)
                y0 = r - w
                if j - Int((highWord(y0) >> 20) & 0x7ff) > 49 {
                    t = r
                    w = fn * pio2_3
                    r = t - w
                    w = fn * pio2_3t - ((t - r) - w)
                    y0 = r - w
                }
            }
        }
        let y1 = (r - y0) - w
        return negative ? (-n, -y0, -y1) : (n, y0, y1)
    }
}
