import Foundation
@testable import Imaging

/// Real JPEG frames made in memory for tests (no binary fixtures in the repository).
public enum TestFrames {
    /// A busy, photo-like scene: gradients, discs and texture; `seed` varies it.
    public static func scene(width: Int = 640, height: Int = 480, seed: Int = 1) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state = UInt64(truncatingIfNeeded: seed &* 2_654_435_761 &+ 1)
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let discs = (0..<8).map { _ in (next() % width, next() % height, 5 + next() % max(6, width / 6), next() % 256) }
        for y in 0..<height {
            for x in 0..<width {
                var r = 40 + 150 * x / width, g = 60 + 120 * y / height, b = 120 + Int(60 * sin(Double(x + y) / 17))
                for (cx, cy, rad, c) in discs where (x - cx) * (x - cx) + (y - cy) * (y - cy) < rad * rad {
                    r = c; g = 255 - c; b = (c * 7) % 256
                }
                let t = ((x / 3 + y / 5) % 7) * 3
                let i = (y * width + x) * 3
                pixels[i] = UInt8(clamping: r + t); pixels[i + 1] = UInt8(clamping: g + t); pixels[i + 2] = UInt8(clamping: b)
            }
        }
        return Fixtures.encode(pixels, width: width, height: height)
    }

    /// One flat colour: what a dead stream delivers.
    public static func flat(width: Int = 640, height: Int = 480, grey: UInt8 = 128) -> [UInt8] {
        Fixtures.encode([UInt8](repeating: grey, count: width * height * 3), width: width, height: height)
    }

    /// A good frame cut short.
    public static func truncated(width: Int = 640, height: Int = 480) -> [UInt8] {
        let full = scene(width: width, height: height)
        return Array(full.prefix(full.count / 2))
    }

    /// A tiny JPEG whose header claims `width × height` (no pixel data worth the name).
    public static func hugeHeader(width: Int = 60000, height: Int = 60000) -> [UInt8] {
        var jpeg = scene(width: 16, height: 16)
        // Rewrite the SOF0 dimensions in place.
        var i = 2
        while i + 9 < jpeg.count {
            if jpeg[i] == 0xFF, (0xC0...0xC2).contains(jpeg[i + 1]) {
                jpeg[i + 5] = UInt8(height >> 8); jpeg[i + 6] = UInt8(height & 0xFF)
                jpeg[i + 7] = UInt8(width >> 8); jpeg[i + 8] = UInt8(width & 0xFF)
                break
            }
            i += 1
        }
        return jpeg
    }

    /// An HTML page, as a misconfigured camera might answer.
    public static let html = Array("<!DOCTYPE html><html><body>Login required</body></html>".utf8)
}
