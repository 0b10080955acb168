import Foundation
import TestSupport
@testable import Imaging
import Testing

@Suite("Raw video frames")
struct VideoFrameDecoderTests {
    @Test("a frame decodes to limited-range yuv420p of the output size")
    func limitedRange() throws {
        let decoder = VideoFrameDecoder(width: 320, height: 180)
        let bytes = try decoder.frame(data: TestFrames.scene(width: 1280, height: 720))
        #expect(bytes.count == 320 * 180 * 3 / 2)
        let luma = bytes.prefix(320 * 180), chroma = bytes.dropFirst(320 * 180)
        #expect(luma.allSatisfy { (16...235).contains($0) })
        #expect(chroma.allSatisfy { (16...240).contains($0) })
        #expect(Set(luma).count > 50)
        // Black and white map to the ends of the limited range.
        let black = try decoder.frame(data: TestFrames.flat(width: 640, height: 360, grey: 0))
        let white = try decoder.frame(data: TestFrames.flat(width: 640, height: 360, grey: 255))
        #expect(black[1000] <= 17 && white[1000] >= 234)
    }

    @Test("the luma gain brightens luma only")
    func gain() throws {
        let decoder = VideoFrameDecoder(width: 320, height: 240)
        let jpeg = TestFrames.flat(width: 320, height: 240, grey: 100)
        let plain = try decoder.frame(data: jpeg)
        let brighter = try decoder.frame(data: jpeg, lumaGain: 1.5)
        let mean = { (s: ArraySlice<UInt8>) in Double(s.reduce(0) { $0 + Int($1) }) / Double(s.count) }
        let n = 320 * 240
        #expect(mean(brighter.prefix(n)) - 16 > (mean(plain.prefix(n)) - 16) * 1.45)
        #expect(Array(brighter.dropFirst(n)) == Array(plain.dropFirst(n)))
    }

    @Test("thumbnails carry the mean luma of their pixels")
    func meanLuma() throws {
        let dark = try VariantGenerator().makeVariants(data: TestFrames.flat(grey: 40), thumbnail: .thumbnail(), small: .small())
        let bright = try VariantGenerator().makeVariants(data: TestFrames.flat(grey: 200), thumbnail: .thumbnail(), small: nil)
        #expect(abs(dark.meanLuma - 40) < 3)
        #expect(abs(bright.meanLuma - 200) < 3)
        #expect(abs(try VideoFrameDecoder.meanLuma(ofJPEG: bright.thumbnail.bytes) - bright.meanLuma) < 2)
    }
}
