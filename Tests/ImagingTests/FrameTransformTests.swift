import Testing
import TestSupport
@testable import Imaging

/// A camera's crop and rotation on variants and video frames: where a known pattern lands, and the sizes.
@Suite("Frame transforms (crop, rotation)")
struct FrameTransformTests {
    let generator = VariantGenerator()

    static let red = [255, 0, 0], green = [0, 255, 0], blue = [0, 0, 255], white = [255, 255, 255]

    /// Requires the decoded JPEG's colour at fractions (fx, fy) of its size to be near `want`.
    func expectColour(_ jpeg: [UInt8], _ points: [(Double, Double, [Int])], _ label: String) throws {
        let image = try #require(Fixtures.decode(jpeg))
        for (fx, fy, want) in points {
            let got = image.pixel(min(image.width - 1, Int(fx * Double(image.width))), min(image.height - 1, Int(fy * Double(image.height))))
            #expect(zip(got, want).allSatisfy { abs($0 - $1) < 48 }, "\(label) at (\(fx), \(fy)): \(got), want \(want)")
        }
    }

    static func size(_ jpeg: [UInt8]) throws -> (Int, Int) {
        let image = try #require(Fixtures.decode(jpeg))
        return (image.width, image.height)
    }

    @Test("composing an EXIF orientation with a rotation equals applying one after the other")
    func composition() {
        let plane = Plane(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        let quarter = [1, 6, 3, 8]  // EXIF codes of 0°, 90°, 180°, 270° clockwise
        for orientation in 1...8 {
            for (turns, code) in quarter.enumerated() {
                let transform = FrameTransform(rotation: turns * 90)
                let composed = transform.orientation(composedWith: orientation)
                let stepwise = Orientation.apply(code, to: Orientation.apply(orientation, to: plane))
                let direct = Orientation.apply(composed, to: plane)
                #expect(direct.pixels == stepwise.pixels && direct.width == stepwise.width,
                        "orientation \(orientation) + \(turns * 90)° → \(composed)")
            }
        }
        #expect(FrameTransform.identity.isIdentity)
        #expect(!FrameTransform(rotation: 90).isIdentity)
        #expect(FrameTransform(rotation: 90).outputSize(storedWidth: 320, storedHeight: 160) == (160, 320))
        #expect(FrameTransform(rotation: 270).outputSize(storedWidth: 320, storedHeight: 160, orientation: 6) == (320, 160))
    }

    @Test("the crop is clipped to the frame; one wholly outside it is ignored")
    func clipping() {
        let t = FrameTransform(crop: .init(x: 240, y: 100, width: 500, height: 500))
        #expect(t.clippedCrop(width: 320, height: 160) == .init(x: 240, y: 100, width: 80, height: 60))
        #expect(FrameTransform(crop: .init(x: 400, y: 0, width: 50, height: 50)).clippedCrop(width: 320, height: 160) == nil)
        #expect(FrameTransform(crop: .init(x: 0, y: 0, width: 320, height: 160)).clippedCrop(width: 320, height: 160) == nil)
        #expect(t.outputSize(storedWidth: 320, storedHeight: 160) == (80, 60))
    }

    @Test("a crop of one quadrant keeps only that quadrant, chroma included")
    func cropQuadrant() throws {
        let source = Synth.quadrants(320, 160)
        // Green (top right), then white (bottom right) with an odd offset (chroma must stay aligned).
        for (rect, colour) in [(FrameTransform.Rect(x: 160, y: 0, width: 160, height: 80), Self.green),
                               (FrameTransform.Rect(x: 171, y: 87, width: 130, height: 61), Self.white),
                               (FrameTransform.Rect(x: 3, y: 81, width: 150, height: 75), Self.blue)] {
            let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small(), transform: FrameTransform(crop: rect))
            let small = try #require(v.small)
            #expect(small.width == rect.width && small.height == rect.height)
            let points = [(0.02, 0.02), (0.5, 0.5), (0.97, 0.97), (0.02, 0.97), (0.97, 0.02)].map { ($0.0, $0.1, colour) }
            try expectColour(small.bytes, points, "small of \(rect)")
            try expectColour(v.thumbnail.bytes, points, "thumbnail of \(rect)")
        }
    }

    @Test("rotation turns the variants clockwise; 90 and 270 swap width and height")
    func rotation() throws {
        let source = Synth.quadrants(320, 160)
        // Stored: red | green over blue | white.
        let layouts: [Int: ([Int], [Int], [Int], [Int])] = [  // top left, top right, bottom left, bottom right
            0: (Self.red, Self.green, Self.blue, Self.white),
            90: (Self.blue, Self.red, Self.white, Self.green),
            180: (Self.white, Self.blue, Self.green, Self.red),
            270: (Self.green, Self.white, Self.red, Self.blue),
        ]
        for (degrees, want) in layouts {
            let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small(),
                                               transform: FrameTransform(rotation: degrees))
            let small = try #require(v.small)
            let swapped = degrees == 90 || degrees == 270
            #expect(swapped ? (small.width == 160 && small.height == 320) : (small.width == 320 && small.height == 160), "\(degrees)°")
            let thumb = try Self.size(v.thumbnail.bytes)
            #expect((thumb.0 < thumb.1) == swapped, "thumbnail of \(degrees)°: \(thumb)")
            for bytes in [small.bytes, v.thumbnail.bytes] {
                try expectColour(bytes, [(0.25, 0.25, want.0), (0.75, 0.25, want.1), (0.25, 0.75, want.2), (0.75, 0.75, want.3)],
                                 "\(degrees)°")
            }
        }
    }

    @Test("crop first, then the EXIF orientation, then the rotation")
    func cropOrientationRotation() throws {
        // Left half of the stored frame: red over blue (160 × 160).
        let crop = FrameTransform.Rect(x: 0, y: 0, width: 160, height: 160)
        let plain = Synth.quadrants(320, 160)
        let v = try generator.makeVariants(data: plain, thumbnail: .thumbnail(), small: .small(),
                                           transform: FrameTransform(crop: crop, rotation: 90))
        let small = try #require(v.small)
        #expect(small.width == 160 && small.height == 160)
        // Red (top) turned clockwise goes right; blue left.
        try expectColour(small.bytes, [(0.8, 0.5, Self.red), (0.2, 0.5, Self.blue)], "crop + 90°")

        // EXIF 6 (90° clockwise) plus a rotation of 90: 180° in all; the crop is still in coded pixels.
        let tagged = Fixtures.withOrientation(plain, 6)
        let w = try generator.makeVariants(data: tagged, thumbnail: .thumbnail(), small: .small(),
                                           transform: FrameTransform(crop: .init(x: 160, y: 0, width: 160, height: 160), rotation: 90))
        let turned = try #require(w.small)
        #expect(turned.width == 160 && turned.height == 160)
        // Right half (green over white) turned 180°: white on top, green at the bottom.
        try expectColour(turned.bytes, [(0.5, 0.2, Self.white), (0.5, 0.8, Self.green)], "EXIF 6 + crop + 90°")

        // Without a crop, EXIF 6 + 270 is upright again: 320 × 160, red at the top left.
        let upright = try #require(try generator.makeVariants(data: tagged, thumbnail: .thumbnail(), small: .small(),
                                                              transform: FrameTransform(rotation: 270)).small)
        #expect(upright.width == 320 && upright.height == 160)
        try expectColour(upright.bytes, [(0.25, 0.25, Self.red), (0.75, 0.75, Self.white)], "EXIF 6 + 270°")
    }

    @Test("the decode scale follows the cropped size: a small crop of a big frame keeps its full detail")
    func decodeScaleFromCrop() throws {
        // 1-pixel-pair stripes: a decode at 1/4 (enough for the whole frame's small) would average them to grey.
        let source = Synth.jpeg(3200, 1600, quality: 95) { x, _ in (x / 2) % 2 == 0 ? (0, 0, 0) : (255, 255, 255) }
        let crop = FrameTransform.Rect(x: 1600, y: 400, width: 400, height: 300)
        let v = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small(), transform: FrameTransform(crop: crop))
        let small = try #require(v.small)
        #expect(small.width == 400 && small.height == 300)
        let image = try #require(Fixtures.decode(small.bytes))
        let row = (0..<image.width).map { image.pixel($0, image.height / 2)[0] }
        let dark = row.filter { $0 < 64 }.count, bright = row.filter { $0 > 192 }.count
        #expect(dark > image.width / 4 && bright > image.width / 4, "stripes kept: \(dark) dark, \(bright) bright of \(image.width)")
    }

    @Test("video frames: crop and rotation, at the decoder's size")
    func videoFrames() throws {
        let source = Synth.quadrants(320, 160)
        // Rotated 90°: 160 × 320, blue | red over white | green.
        let decoder = VideoFrameDecoder(width: 80, height: 160, transform: FrameTransform(rotation: 90))
        let frame = try decoder.frame(data: source)
        #expect(frame.count == decoder.frameBytes)
        func luma(_ x: Int, _ y: Int) -> Int { Int(frame[y * 80 + x]) }
        // Limited-range luma of red ≈ 82, green ≈ 145, blue ≈ 41, white 235.
        #expect(abs(luma(20, 40) - 41) < 20, "top left blue: \(luma(20, 40))")
        #expect(abs(luma(60, 40) - 82) < 20, "top right red: \(luma(60, 40))")
        #expect(abs(luma(20, 120) - 235) < 20, "bottom left white: \(luma(20, 120))")
        #expect(abs(luma(60, 120) - 145) < 20, "bottom right green: \(luma(60, 120))")

        // Cropped to the bottom right (white) quadrant: every sample white, chroma neutral.
        let cropped = VideoFrameDecoder(width: 64, height: 32, transform: FrameTransform(crop: .init(x: 160, y: 80, width: 160, height: 80)))
        let white = try cropped.frame(data: source)
        #expect(white[0..<(64 * 32)].allSatisfy { $0 > 220 })
        #expect(white[(64 * 32)...].allSatisfy { abs(Int($0) - 128) < 12 })
    }

    @Test("no transform: the same bytes as before")
    func identity() throws {
        let source = Synth.scene(320, 240)
        let a = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small())
        let b = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small(), transform: .identity)
        #expect(a.thumbnail.bytes == b.thumbnail.bytes && a.small?.bytes == b.small?.bytes)
        let full = FrameTransform(crop: .init(x: 0, y: 0, width: 320, height: 240))
        let c = try generator.makeVariants(data: source, thumbnail: .thumbnail(), small: .small(), transform: full)
        #expect(c.small?.bytes == a.small?.bytes)
    }
}
