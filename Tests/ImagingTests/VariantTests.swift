import Foundation
import TestSupport
@testable import Imaging
import Testing

@Suite struct VariantTests {
    let generator = VariantGenerator()

    @Test(arguments: [(1920, 1080), (1080, 1920), (1000, 1000), (120, 90), (90, 120), (801, 601), (5000, 40)])
    func sizes(width: Int, height: Int) throws {
        let source = Synth.scene(width, height)
        let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
        let small = try #require(v.small)
        let es = expectedFit(width, height, 800, 600)
        #expect(small.width == es.0 && small.height == es.1)
        let et = expectedFit(es.0, es.1, 200, 150)
        #expect(v.thumbnail.width == et.0 && v.thumbnail.height == et.1)
        // Never upscaled.
        #expect(small.width <= width && small.height <= height)
        for e in [small, v.thumbnail] {
            let d = try #require(Fixtures.decode(e.bytes))
            #expect(d.width == e.width && d.height == e.height)
            #expect(d.bands == 3)
            // Metadata stripped: no APP1 (Exif/XMP) or APP2 (ICC).
            let markers = markersBeforeScan(e.bytes)
            #expect(!markers.contains(0xE1) && !markers.contains(0xE2))
        }
    }

    @Test func thumbnailOnly() throws {
        let v = try generator.makeVariants(data: Synth.scene(1600, 1200), thumbnail: .thumbnail(), small: nil)
        #expect(v.small == nil)
        #expect(v.thumbnail.width == 200 && v.thumbnail.height == 150)
    }

    @Test func tinyIsNeverUpscaled() throws {
        let v = try generator.makeVariants(data: Synth.scene(64, 48), thumbnail: .thumbnail(), small: .small())
        #expect(v.small?.width == 64 && v.small?.height == 48)
        #expect(v.thumbnail.width == 64 && v.thumbnail.height == 48)
    }

    @Test func fromPathAndProbe() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/a.jpg"
        let jpeg = Fixtures.withOrientation(Synth.scene(640, 480), 6)
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
        let p = try generator.probe(path: path)
        #expect(p == ImageProbe(width: 640, height: 480, orientation: 6))
        #expect(p.uprightWidth == 480 && p.uprightHeight == 640)
        let v = try generator.makeVariants(path: path, thumbnail: .thumbnail(), small: .small())
        #expect(v.small?.width == 450 && v.small?.height == 600)
    }

    /// Output must look like libvips' own EXIF autorotation of the same source.
    @Test(arguments: 1...8)
    func orientation(_ o: Int) throws {
        for be in [false, true] {
            let source = Fixtures.withOrientation(Synth.quadrants(320, 160), o, bigEndian: be)
            #expect(try generator.probe(data: source).orientation == o)
            let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
            let small = try #require(v.small)
            if o >= 5 {
                #expect(small.width == 160 && small.height == 320)
            } else {
                #expect(small.width == 320 && small.height == 160)
            }
            let got = try #require(Fixtures.decode(small.bytes))
            let want = try #require(Fixtures.decodeUpright(source))
            #expect(got.width == want.width && got.height == want.height)
            for (fx, fy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let a = got.pixel(Int(fx * Double(got.width)), Int(fy * Double(got.height)))
                let b = want.pixel(Int(fx * Double(want.width)), Int(fy * Double(want.height)))
                #expect(zip(a, b).allSatisfy { abs($0 - $1) < 40 }, "orientation \(o): \(a) vs \(b)")
            }
            // Thumbnail is upright too.
            let t = try #require(Fixtures.decode(v.thumbnail.bytes))
            #expect((t.width > t.height) == (o < 5))
        }
    }

    @Test func greyscaleGivesThreeBandSRGB() throws {
        let w = 900, h = 700
        var grey = [UInt8](repeating: 0, count: w * h)
        for i in grey.indices { grey[i] = UInt8((i % w) * 255 / w) }
        let source = Fixtures.encode(grey, width: w, height: h, format: .grey)
        #expect(Fixtures.decode(source)?.bands == 1)
        let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
        let smallOut = try #require(v.small)
        let d = try #require(Fixtures.decode(smallOut.bytes))
        #expect(d.bands == 3 && d.interpretation == "srgb")
        let p = d.pixel(d.width / 2, d.height / 2)
        #expect(abs(p[0] - p[1]) <= 2 && abs(p[1] - p[2]) <= 2)
    }

    @Test func cmykGivesThreeBandSRGB() throws {
        let w = 900, h = 700
        var cmyk = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            for x in 0..<w {
                let i = (y * w + x) * 4
                // Left half cyan-ish, right half magenta-ish. Adobe convention (as
                // Photoshop writes and libvips reads): stored value = 255 - ink.
                cmyk[i] = x < w / 2 ? 55 : 255
                cmyk[i + 1] = x < w / 2 ? 255 : 55
                cmyk[i + 2] = 255
                cmyk[i + 3] = 255
            }
        }
        let source = Fixtures.encode(cmyk, width: w, height: h, format: .cmyk, subsampling: 0)
        #expect(Fixtures.decode(source)?.bands == 4)
        let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
        let small = try #require(v.small)
        #expect(small.width == 771 && small.height == 600)
        let d = try #require(Fixtures.decode(small.bytes))
        #expect(d.bands == 3 && d.interpretation == "srgb")
        let left = d.pixel(d.width / 4, d.height / 2), right = d.pixel(3 * d.width / 4, d.height / 2)
        // Cyan: little red, much blue; magenta: much red, little green.
        #expect(left[0] < left[2], "\(left)")
        #expect(right[0] > right[1], "\(right)")
    }

    @Test func iccTaggedInputIsConvertedAndStripped() throws {
        let source = Fixtures.withICCProfile(Synth.scene(1200, 900))
        #expect(Fixtures.decode(source)?.hasICC == true)
        let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
        let smallOut = try #require(v.small)
        let d = try #require(Fixtures.decode(smallOut.bytes))
        #expect(d.bands == 3 && !d.hasICC)
        #expect(d.width == 800 && d.height == 600)
    }

    @Test func subsamplingsAndProgressiveLikeInputs() throws {
        // 4:4:4, 4:2:2, 4:4:0 and 4:1:1 sources all come out right-sized, 3-band.
        for sub: Int32 in [0, 1, 2, 4, 5] {
            let source = Fixtures.encode(Synth.rgb(1001, 751) { x, y in (x % 256, y % 256, (x ^ y) % 256) },
                                         width: 1001, height: 751, subsampling: sub)
            let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
            let e = expectedFit(1001, 751, 800, 600)
            #expect(v.small?.width == e.0 && v.small?.height == e.1, "subsampling \(sub)")
            #expect(Fixtures.decode(v.small!.bytes)?.bands == 3)
        }
    }

    /// The small should be close to a full-resolution Lanczos-3 reduce.
    @Test func qualityAgainstFullResolutionReduce() throws {
        let source = Synth.scene(1920, 1080)
        let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
        let got = try #require(Fixtures.decode(v.small!.bytes))
        let ref = try #require(Fixtures.reference(source, width: 800, height: 450))
        #expect(got.pixels.count == ref.pixels.count)
        var se = 0.0
        for i in got.pixels.indices { let d = Double(got.pixels[i]) - Double(ref.pixels[i]); se += d * d }
        let psnr = 10 * log10(255 * 255 / (se / Double(got.pixels.count)))
        #expect(psnr > 28, "PSNR \(psnr)")
    }
}

@Suite struct ProgressiveTests {
    /// Near-lossless progressive sources skip their final AC refinement scans; the
    /// decoded picture must be indistinguishable and truncation still caught.
    @Test func nearLosslessProgressiveShortcut() throws {
        let w = 1600, h = 1200
        let rgb = Synth.rgb(w, h) { x, y in
            (Int(127 + 120 * sin(Double(x * y) / 5000)), (x * 7 + y * 3) % 256, Int(127 + 100 * cos(Double(x) / 9)))
        }
        let source = Fixtures.encode(rgb, width: w, height: h, quality: 100, progressive: true)
        let header = try VariantGenerator().header(source)
        #expect(header.sofMarker == 0xC2 && header.maxQuantizer <= 2)
        let filtered = try #require(try ScanFilter.withoutFinalACRefinement(source, header: header))
        #expect(filtered.count < source.count * 9 / 10)
        let full = try Codec.decode(source, header: header, minWidth: 800, minHeight: 600).image
        let fast = try Codec.decode(filtered, header: header, minWidth: 800, minHeight: 600).image
        #expect(full.width == fast.width && full.height == fast.height)
        var maxDiff = 0, sum = 0
        for (a, b) in zip(full.y.pixels, fast.y.pixels) {
            let d = abs(Int(a) - Int(b))
            maxDiff = max(maxDiff, d)
            sum += d
        }
        #expect(maxDiff <= 3, "max difference \(maxDiff)")
        #expect(Double(sum) / Double(full.y.pixels.count) < 0.5)

        let v = try VariantGenerator().makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
        #expect(v.small?.width == 800 && v.small?.height == 600)
        for fraction in [0.5, 0.95, 0.999] {
            let cut = Array(source[0..<Int(Double(source.count) * fraction)])
            #expect(throws: ImagingError.self) {
                try VariantGenerator().makeVariants(data: cut, thumbnail: .thumbnail(), small: .small())
            }
            do {
                _ = try VariantGenerator().makeVariants(data: cut, thumbnail: .thumbnail(), small: .small())
            } catch {
                #expect(error.reason == "truncated")
            }
        }
    }
}
