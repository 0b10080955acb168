import Foundation
import TestSupport
@testable import Imaging
import Testing

@Suite struct CorruptionDetectorTests {
    let detector = CorruptionDetector()
    static let w = 1280, h = 720

    static func noisy(_ seed: UInt64, _ f: @escaping (Int, Int, inout SplitMix) -> (Int, Int, Int)) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        return Synth.jpeg(w, h, quality: 85) { x, y in f(x, y, &rng) }
    }

    static let goodFrames: [(String, [UInt8])] = [
        ("scene", Synth.scene(w, h)),
        // Night: very dark, sensor noise, a few small lights.
        ("night", noisy(11) { x, y, r in
            let n = Int(4 * r.gaussian())
            let lamp = ((x - 300) * (x - 300) + (y - 500) * (y - 500) < 36) || ((x - 900) * (x - 900) + (y - 520) * (y - 520) < 25)
            let v = lamp ? 230 : 6 + n
            return (v, v, lamp ? 180 : v + 2)
        }),
        // Night without lights: only dark noise.
        ("night-noise-only", noisy(12) { _, _, r in
            let v = 8 + Int(5 * r.gaussian())
            return (v, v, v + 1)
        }),
        // Smooth sky gradient.
        ("sky", Synth.jpeg(w, h, quality: 85) { _, y in (90 + 60 * y / h, 140 + 50 * y / h, 230 - 10 * y / h) }),
        // Foggy morning: low contrast around mid-grey, soft shapes.
        ("fog", noisy(13) { x, y, r in
            let v = 150 + Int(6 * sin(Double(x) / 200) + 4 * Double(y) / Double(h)) + Int(r.gaussian())
            return (v, v, v + 3)
        }),
        ("fog-mid-grey", noisy(14) { x, y, r in
            let v = 126 + Int(3 * sin(Double(x) / 300)) + 4 * y / h + Int(r.gaussian())
            return (v, v, v)
        }),
        // Dark corner (vignette / shadow).
        ("dark-corner", Synth.jpeg(w, h, quality: 85) { x, y in
            (x < w / 3 && y > h / 2) ? (0, 0, 0) : (100 + x / 20, 120 + y / 20, 90)
        }),
        // SMPTE-like colour bars.
        ("colour-bars", Synth.jpeg(w, h, quality: 85) { x, y in
            let bars = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]
            return y < h * 3 / 4 ? bars[x * 7 / w] : (x < w / 2 ? (16, 16, 16) : (235, 235, 235))
        }),
        // Grey bottom that is real content (a wall), with texture.
        ("grey-wall", noisy(15) { x, y, r in
            y > h * 2 / 3 ? (128 + Int(6 * r.gaussian()), 128 + Int(6 * r.gaussian()), 128) : (60 + x / 10, 80, 200 - y / 5)
        }),
    ]

    @Test(arguments: goodFrames.map(\.0))
    func goodFramePasses(_ name: String) throws {
        let data = Self.goodFrames.first { $0.0 == name }!.1
        let r = try detector.inspect(data: data)
        #expect(r.accepted, "\(name): score \(r.score) reason \(r.reason ?? "-")")
        #expect(r.score < 0.5)
        #expect(r.probe.width == Self.w && r.probe.height == Self.h)
    }

    @Test(arguments: [(128, 128, 128), (0, 0, 0), (0, 135, 0), (255, 255, 255)])
    func flatColourIsRejected(r: Int, g: Int, b: Int) throws {
        let res = try detector.inspect(data: Synth.jpeg(Self.w, Self.h) { _, _ in (r, g, b) })
        #expect(!res.accepted)
        #expect(res.reason == "flat_colour")
        #expect(res.score >= 0.9)
    }

    @Test(arguments: [0.1, 0.35, 0.8])
    func greyBandBottomIsRejected(fraction: Double) throws {
        let cut = Int(Double(Self.h) * (1 - fraction))
        let scene = Synth.rgb(Self.w, Self.h) { x, y in
            y >= cut ? (128, 128, 128) : (40 + x / 8, 200 - y / 4, (x * y) % 255)
        }
        let res = try detector.inspect(data: Fixtures.encode(scene, width: Self.w, height: Self.h, quality: 85))
        #expect(!res.accepted)
        #expect(res.reason == "grey_band_bottom")
    }

    @Test func truncatedStreamIsRejected() throws {
        let data = Synth.scene(Self.w, Self.h)
        let res = try detector.inspect(data: Array(data[0..<(data.count * 2 / 3)]))
        #expect(!res.accepted)
        #expect(res.reason == "truncated")
        #expect(res.score == 1)
    }

    @Test func realTruncationFillIsCaughtEvenWithEOI() throws {
        // Cut the entropy data and append an EOI: libjpeg warns and fills grey.
        var data = Synth.scene(Self.w, Self.h)
        data = Array(data[0..<(data.count / 2)]) + [0xFF, 0xD9]
        let res = try detector.inspect(data: data)
        #expect(!res.accepted && res.reason == "truncated", "score \(res.score) \(res.reason ?? "-")")
        // And no half-grey variants either.
        #expect(throws: ImagingError.self) {
            try VariantGenerator().makeVariants(data: data, thumbnail: .thumbnail(), small: .small())
        }
    }

    /// Progressive frames take the DC-scans-only path; verdicts must not change.
    @Test func progressiveFrames() throws {
        let w = Self.w, h = Self.h
        let scene = Synth.rgb(w, h) { x, y in (40 + x / 8, 200 - y / 4, (x * y) % 255) }
        let good = Fixtures.encode(scene, width: w, height: h, quality: 85, progressive: true)
        #expect(markersBeforeScan(good).contains(0xC2))
        let ok = try detector.inspect(data: good)
        #expect(ok.accepted && ok.reason == nil)
        // Same verdict data as the sequential encoding: the 1/8 image is the same.
        let seq = try detector.inspect(data: Fixtures.encode(scene, width: w, height: h, quality: 85))
        #expect(abs(seq.score - ok.score) < 0.01)

        let flat = Fixtures.encode(Synth.rgb(w, h) { _, _ in (0, 135, 0) }, width: w, height: h, progressive: true)
        #expect(try detector.inspect(data: flat).reason == "flat_colour")

        let banded = Synth.rgb(w, h) { x, y in y >= h / 2 ? (128, 128, 128) : (40 + x / 8, 200 - y / 4, (x * y) % 255) }
        let band = try detector.inspect(data: Fixtures.encode(banded, width: w, height: h, quality: 85, progressive: true))
        #expect(band.reason == "grey_band_bottom")

        for fraction in [0.2, 0.5, 0.9, 0.99] {
            let cut = Array(good[0..<Int(Double(good.count) * fraction)])
            let r = try detector.inspect(data: cut)
            #expect(!r.accepted && r.reason == "truncated", "cut at \(fraction): \(r.reason ?? "-")")
        }
        // Variants from a progressive source.
        let v = try VariantGenerator().makeVariants(data: good, thumbnail: .thumbnail(), small: .small())
        #expect(v.small?.width == 800 && v.small?.height == 450)
    }

    @Test func extraneousBytesAreHarmless() throws {
        // Stray bytes between two segments: libjpeg warns, the picture is intact.
        var data = Synth.scene(Self.w, Self.h)
        let app0End = 4 + (Int(data[4]) << 8 | Int(data[5]))
        data.insert(contentsOf: [0x12, 0x34, 0x56], at: app0End)
        let res = try detector.inspect(data: data)
        #expect(res.accepted && res.reason == "decoder_warning")
        _ = try VariantGenerator().makeVariants(data: data, thumbnail: .thumbnail(), small: .small())
    }

    @Test func nonJPEGThrows() {
        #expect(throws: ImagingError.empty) { try detector.inspect(data: []) }
        #expect(throws: ImagingError.notJPEG("html")) { try detector.inspect(data: Array("<html></html>".utf8)) }
    }
}
