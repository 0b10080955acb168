import Foundation
import TestSupport
@testable import Imaging
import Testing

/// A capture's corruption check decodes at the scale its variants need (``CorruptionDetector/inspect(data:preparing:small:transform:)``):
/// the verdict must be the one the 1/8 decode gives, and the variants made from that decode byte-identical to what a
/// thumbnail job makes from the file.
@Suite struct SharedDecodeTests {
    let detector = CorruptionDetector()
    static let w = CorruptionDetectorTests.w, h = CorruptionDetectorTests.h

    /// Every frame of the detector's own suite, good and bad.
    static var frames: [(String, [UInt8])] {
        let w = Self.w, h = Self.h
        let scene = Synth.scene(w, h)
        let banded = Synth.rgb(w, h) { x, y in y >= h * 2 / 3 ? (128, 128, 128) : (40 + x / 8, 200 - y / 4, (x * y) % 255) }
        let progressive = Fixtures.encode(Synth.rgb(w, h) { x, y in (40 + x / 8, 200 - y / 4, (x * y) % 255) }, width: w, height: h,
                                          quality: 85, progressive: true)
        var extraneous = scene
        let app0End = 4 + (Int(extraneous[4]) << 8 | Int(extraneous[5]))
        extraneous.insert(contentsOf: [0x12, 0x34, 0x56], at: app0End)
        return CorruptionDetectorTests.goodFrames + [
            ("flat-grey", Synth.jpeg(w, h) { _, _ in (128, 128, 128) }),
            ("flat-green", Synth.jpeg(w, h) { _, _ in (0, 135, 0) }),
            ("grey-band", Fixtures.encode(banded, width: w, height: h, quality: 85)),
            ("truncated", Array(scene[0..<(scene.count * 2 / 3)])),
            ("truncated-with-eoi", Array(scene[0..<(scene.count / 2)]) + [0xFF, 0xD9]),
            ("progressive", progressive),
            ("progressive-cut", Array(progressive[0..<(progressive.count / 2)])),
            ("extraneous-bytes", extraneous),
            ("small-frame", Synth.scene(320, 240)),
            ("portrait", Synth.scene(720, 1280)),
        ]
    }

    @Test(arguments: frames.map(\.0))
    func sameVerdict(_ name: String) throws {
        let data = Self.frames.first { $0.0 == name }!.1
        let alone = try detector.inspect(data: data)
        let shared = try detector.inspect(data: data, preparing: .thumbnail(), small: .small())
        #expect(shared.inspection.accepted == alone.accepted, "\(name)")
        #expect(shared.inspection.reason == alone.reason, "\(name): \(shared.inspection.reason ?? "-") vs \(alone.reason ?? "-")")
        #expect(abs(shared.inspection.score - alone.score) < 0.01, "\(name)")
        // Only an accepted frame carries variants to make.
        #expect((shared.variants != nil) == (shared.inspection.accepted && name != "progressive-cut"), "\(name)")
    }

    @Test(arguments: [false, true])
    func sameVariants(withSmall: Bool) throws {
        let transforms = [FrameTransform.identity, FrameTransform(crop: .init(x: 100, y: 50, width: 900, height: 600), rotation: 90)]
        for (name, data) in Self.frames {
            for transform in transforms {
                let small: VariantSpec? = withSmall ? .small(quality: 82) : nil
                let shared = try detector.inspect(data: data, preparing: .thumbnail(quality: 75), small: small, transform: transform)
                guard let pending = shared.variants else { continue }
                let made = try pending.make()
                let fromFile = try VariantGenerator().makeVariants(data: data, thumbnail: .thumbnail(quality: 75), small: small,
                                                                   transform: transform)
                #expect(made.thumbnail.bytes == fromFile.thumbnail.bytes, "\(name) \(transform)")
                #expect(made.small?.bytes == fromFile.small?.bytes, "\(name) \(transform)")
                #expect(made.meanLuma == fromFile.meanLuma)
            }
        }
    }
}
