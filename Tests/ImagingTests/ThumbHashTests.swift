import Foundation
import Testing
import TestSupport
@testable import Imaging

/// The ThumbHash encoder against vectors made by the format's reference implementation
/// (Tests/Fixtures/thumbhash-vectors.mjs wrote Tests/Fixtures/thumbhash-vectors.json), and the hash of a real thumbnail.
@Suite("ThumbHash")
struct ThumbHashTests {
    struct Vector: Decodable { let name: String; let width: Int; let height: Int; let thumbhash: String }

    /// The same pixel formulas as thumbhash-vectors.mjs.
    static func pixels(_ name: String, width w: Int, height h: Int) -> [UInt8] {
        var seed: UInt32 = 12345
        func noise() -> Int { seed = seed &* 1103515245 &+ 12345; return Int((seed >> 16) & 255) }
        var out: [UInt8] = []
        for y in 0..<h {
            for x in 0..<w {
                let p: [Int]
                switch name {
                case "gradient-100x75": p = [x * 255 / 99, y * 255 / 74, 128, 255]
                case "pattern-75x100": p = [(x * y) % 256, (x + 2 * y) % 256, 255 - x, 255]
                case "disc-100x100":
                    let dx = x - 50, dy = y - 40
                    let inside: Bool = dx * dx + dy * dy < 900
                    p = inside ? [230, 180, 40, 255] : [20, 60, 140, 255]
                case "stripes-100x50": p = (x / 10) % 2 == 1 ? [250, 250, 250, 255] : [10, 10, 10, 255]
                case "alpha-37x23": p = [200, (y * 11) % 256, 50, (x * 7) % 256]
                case "one-pixel": p = [10, 200, 30, 255]
                case "transparent-8x8": p = [0, 0, 0, 0]
                case "grey-100x75": let v = (x * 3 + y * 2) % 256; p = [v, v, v, 255]
                case "noise-50x30": p = [noise(), noise(), noise(), 255]
                default: p = []
                }
                out += p.map { UInt8($0) }
            }
        }
        return out
    }

    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/thumbhash-vectors.json")
        return (try? JSONDecoder().decode([Vector].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test("equals the reference implementation's bytes")
    func referenceVectors() throws {
        #expect(Self.vectors.count == 9, "the vector file was read")
        for vector in Self.vectors {
            let rgba = Self.pixels(vector.name, width: vector.width, height: vector.height)
            try #require(rgba.count == vector.width * vector.height * 4, "\(vector.name) has a formula")
            let hash = ThumbHash.encode(width: vector.width, height: vector.height, rgba: rgba)
            #expect(Data(hash).base64EncodedString() == vector.thumbhash, "\(vector.name)")
        }
    }

    @Test("a thumbnail's hash comes with its variants and describes its colours and shape")
    func fromVariants() throws {
        // Left half red, right half blue, 4:3: the hash's average colour is purple-ish and its aspect landscape.
        var rgb: [UInt8] = []
        for _ in 0..<1200 { for x in 0..<1600 { rgb += x < 800 ? [220, 30, 30] : [30, 30, 220] } }
        let jpeg = Fixtures.encode(rgb, width: 1600, height: 1200)
        let variants = try VariantGenerator().makeVariants(data: jpeg, thumbnail: .thumbnail(), small: .small())
        let hash = variants.thumbHash
        #expect(hash.count >= 20 && hash.count <= 25)
        #expect(hash[4] >> 7 == 1, "landscape flag")
        #expect(hash[2] >> 7 == 0, "no alpha")
        // Average colour (the DC terms): luminance about (220+30+30)/3/255, red−green balanced, no yellow.
        let header = Int(hash[0]) | Int(hash[1]) << 8 | Int(hash[2]) << 16
        let lDC = Double(header & 63) / 63, qDC = Double((header >> 12) & 63) / 31.5 - 1
        #expect(abs(lDC - 280.0 / 3 / 255) < 0.05, "luminance \(lDC)")
        #expect(qDC > 0.2, "red minus green is positive: \(qDC)")
        let again = try VariantGenerator().makeVariants(data: jpeg, thumbnail: .thumbnail(), small: nil)
        #expect(again.thumbHash.count == hash.count, "thumbnail-only generation hashes too")
    }
}
