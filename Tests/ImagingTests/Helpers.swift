import Foundation
import TestSupport
@testable import Imaging

/// Deterministic pseudo-random numbers for synthetic frames.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Roughly normal (sum of uniforms), mean 0, standard deviation ~1.
    mutating func gaussian() -> Double {
        var s = 0.0
        for _ in 0..<12 { s += Double(next() >> 11) / Double(1 << 53) }
        return s - 6
    }
}

enum Synth {
    /// Packed RGB from a per-pixel function.
    static func rgb(_ w: Int, _ h: Int, _ f: (Int, Int) -> (Int, Int, Int)) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let (r, g, b) = f(x, y)
                let i = (y * w + x) * 3
                out[i] = UInt8(clamping: r); out[i + 1] = UInt8(clamping: g); out[i + 2] = UInt8(clamping: b)
            }
        }
        return out
    }

    static func jpeg(_ w: Int, _ h: Int, quality: Int = 90, _ f: (Int, Int) -> (Int, Int, Int)) -> [UInt8] {
        Fixtures.encode(rgb(w, h, f), width: w, height: h, quality: quality)
    }

    /// A busy, photo-like scene: gradients, discs and texture.
    static func scene(_ w: Int, _ h: Int, seed: UInt64 = 1) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        let discs = (0..<12).map { _ in
            (Int.random(in: 0..<w, using: &rng), Int.random(in: 0..<h, using: &rng),
             Int.random(in: 5...max(6, w / 6), using: &rng), Int.random(in: 0...255, using: &rng))
        }
        return jpeg(w, h) { x, y in
            var r = 40 + 150 * x / w, g = 60 + 120 * y / h, b = 120 + Int(60 * sin(Double(x + y) / 17))
            for (cx, cy, rad, c) in discs where (x - cx) * (x - cx) + (y - cy) * (y - cy) < rad * rad {
                r = c; g = 255 - c; b = (c * 7) % 256
            }
            let t = ((x / 3 + y / 5) % 7) * 3
            return (r + t, g + t, b)
        }
    }

    /// Four quadrants: red, green / blue, white (stored orientation).
    static func quadrants(_ w: Int, _ h: Int) -> [UInt8] {
        jpeg(w, h, quality: 95) { x, y in
            switch (x < w / 2, y < h / 2) {
            case (true, true): (255, 0, 0)
            case (false, true): (0, 255, 0)
            case (true, false): (0, 0, 255)
            case (false, false): (255, 255, 255)
            }
        }
    }
}

/// A fresh temporary directory, removed by `cleanup()`.
/// Segment markers before the first scan.
func markersBeforeScan(_ jpeg: [UInt8]) -> [UInt8] {
    var markers: [UInt8] = []
    var pos = 2
    while pos + 4 <= jpeg.count, jpeg[pos] == 0xFF {
        let m = jpeg[pos + 1]
        markers.append(m)
        if m == 0xDA { break }
        pos += 2 + (Int(jpeg[pos + 2]) << 8 | Int(jpeg[pos + 3]))
    }
    return markers
}

/// Python's round-half-even fit, as in the benchmark script.
func expectedFit(_ w: Int, _ h: Int, _ bw: Int, _ bh: Int) -> (Int, Int) {
    let s = min(Double(bw) / Double(w), Double(bh) / Double(h), 1.0)
    return (max(1, Int((Double(w) * s).rounded(.toNearestOrEven))), max(1, Int((Double(h) * s).rounded(.toNearestOrEven))))
}
