import Foundation
@testable import Imaging
import Testing

/// Every input the fuzzer found a crash, hang or memory blow-up with (Tests/Fuzz/Regressions/) goes through the
/// public entry points here too; `make test` also replays them under AddressSanitizer (scripts/fuzz.sh).
@Suite struct FuzzRegressionTests {
    static var regressions: [URL] {
        var folder = URL(fileURLWithPath: #filePath)
        folder.deleteLastPathComponent()
        folder.deleteLastPathComponent()
        folder.appendPathComponent("Fuzz/Regressions")
        return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("each kept input is handled without a crash: refused, or made into sound variants")
    func keptInputs() throws {
        let inputs = Self.regressions
        #expect(inputs.count >= 5)
        let limits = ImageLimits(maxSourcePixels: 4_000_000)
        for url in inputs {
            let bytes = [UInt8](try Data(contentsOf: url))
            _ = JPEGIntegrity.decodesCleanly(bytes, limits: limits)
            _ = try? CorruptionDetector(limits: limits).inspect(data: bytes)
            if let variants = try? VariantGenerator(limits: limits).makeVariants(data: bytes, thumbnail: .thumbnail(), small: .small()) {
                #expect(variants.thumbnail.width >= 1 && variants.thumbnail.height >= 1, "\(url.lastPathComponent)")
            }
        }
    }

    @Test("shrink-on-load never makes a side shorter than one pixel")
    func shrinkKeepsOnePixel() {
        #expect(Codec.powerOfTwoShrink(width: 1, height: 521, minWidth: 1, minHeight: 1) == 1)
        #expect(Codec.powerOfTwoShrink(width: 7, height: 100, minWidth: 1, minHeight: 1) == 4)
        #expect(Codec.powerOfTwoShrink(width: 4000, height: 3000, minWidth: 200, minHeight: 150) == 8)
    }

    @Test("a gigapixel header is refused by the integrity walk before any decoding")
    func gigapixelHeader() throws {
        let url = try #require(Self.regressions.first { $0.lastPathComponent.hasPrefix("gigapixel") })
        #expect(!JPEGIntegrity.decodesCleanly([UInt8](try Data(contentsOf: url))))
    }
}
