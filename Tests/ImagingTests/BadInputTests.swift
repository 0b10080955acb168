import Foundation
import TestSupport
@testable import Imaging
import Testing

@Suite struct BadInputTests {
    let generator = VariantGenerator()

    /// Runs the whole "generate then write" flow into an empty folder; the folder
    /// must still be empty when generation fails.
    func expectFailure(_ data: [UInt8], _ check: (ImagingError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        let dir = TempDir()
        defer { dir.cleanup() }
        let src = dir.path + "/in/source.jpg"
        try? FileManager.default.createDirectory(atPath: dir.path + "/in", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: src, contents: Data(data))
        for useData in [true, false] {
            do {
                _ = useData
                    ? try generator.makeVariants(data: data, thumbnail: .thumbnail(), small: .small())
                    : try generator.makeVariants(path: src, thumbnail: .thumbnail(), small: .small())
                Issue.record("expected an error", sourceLocation: sourceLocation)
            } catch {
                #expect(check(error), "unexpected \(error)", sourceLocation: sourceLocation)
                #expect(!error.message.isEmpty && !error.reason.isEmpty)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/out"), sourceLocation: sourceLocation)
    }

    @Test func empty() {
        expectFailure([]) { $0 == .empty }
        #expect(throws: ImagingError.empty) { try generator.probe(data: []) }
        #expect(ImagingError.empty.reason == "empty")
    }

    @Test func randomBytes() {
        var rng = SplitMix(seed: 7)
        var bytes = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[0] = 0x42
        expectFailure(bytes) { $0 == .notJPEG("unknown") }
        #expect(ImagingError.notJPEG("unknown").reason == "not_jpeg")
    }

    @Test(arguments: [
        ("<!DOCTYPE html><html><body>404</body></html>", "html"),
        ("  \n<html><head></head></html>", "html"),
        ("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", "svg"),
        ("<svg width=\"10\" height=\"10\"></svg>", "svg"),
        ("%PDF-1.7\n%âãÏÓ\n1 0 obj", "pdf"),
    ])
    func textFormatsNamedJPG(text: String, kind: String) {
        expectFailure(Array(text.utf8)) { $0 == .notJPEG(kind) }
    }

    @Test func pngNamedJPG() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64)
        expectFailure(png) { $0 == .notJPEG("png") }
    }

    @Test(arguments: [0.05, 0.3, 0.6, 0.95, 0.999])
    func truncated(fraction: Double) {
        let jpeg = Synth.scene(1280, 960)
        let cut = Array(jpeg[0..<Int(Double(jpeg.count) * fraction)])
        expectFailure(cut) { if case .truncated = $0 { return true } else { return false } }
    }

    @Test func truncatedInsideHeader() {
        let jpeg = Synth.scene(320, 240)
        expectFailure(Array(jpeg[0..<40])) { if case .truncated = $0 { return true } else { return false } }
        expectFailure([0xFF, 0xD8, 0xFF]) { if case .truncated = $0 { return true } else { return false } }
    }

    /// Patches the frame header (SOF) of a JPEG.
    func patchSOF(_ jpeg: [UInt8], _ body: (inout [UInt8], Int) -> Void) -> [UInt8] {
        var j = jpeg
        var pos = 2
        while pos + 4 < j.count {
            let m = j[pos + 1]
            if (0xC0...0xCF).contains(m) && m != 0xC4 && m != 0xC8 && m != 0xCC {
                body(&j, pos)
                return j
            }
            pos += 2 + (Int(j[pos + 2]) << 8 | Int(j[pos + 3]))
        }
        fatalError("no SOF")
    }

    @Test func hugeHeaderRejectedBeforeDecode() throws {
        let huge = patchSOF(Synth.scene(64, 64)) { j, p in
            j[p + 5] = 0xEA; j[p + 6] = 0x60; j[p + 7] = 0xEA; j[p + 8] = 0x60  // 60000×60000
        }
        let start = ContinuousClock.now
        expectFailure(huge) { $0 == .tooManyPixels(width: 60000, height: 60000, limit: 100_000_000) }
        #expect(throws: ImagingError.tooManyPixels(width: 60000, height: 60000, limit: 100_000_000)) {
            try generator.probe(data: huge)
        }
        let inspector = CorruptionDetector()
        #expect(throws: ImagingError.tooManyPixels(width: 60000, height: 60000, limit: 100_000_000)) {
            try inspector.inspect(data: huge)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        // A lower limit applies too.
        let small = VariantGenerator(limits: ImageLimits(maxSourcePixels: 1000))
        #expect(throws: ImagingError.tooManyPixels(width: 64, height: 64, limit: 1000)) {
            try small.probe(data: Synth.scene(64, 64))
        }
    }

    @Test func twelveBitIsATypedError() {
        let j = patchSOF(Synth.scene(256, 256)) { j, p in j[p + 4] = 12 }
        expectFailure(j) { if case .unsupported = $0 { return true } else { return false } }
    }

    @Test func arithmeticCodedDoesNotCrash() {
        // Marked arithmetic (SOF9) while the data is Huffman-coded: the decoder must
        // either produce something or fail with a typed error.
        let j = patchSOF(Synth.scene(256, 256)) { j, p in j[p + 1] = 0xC9 }
        do {
            _ = try generator.makeVariants(data: j, thumbnail: .thumbnail(), small: .small())
        } catch {
            #expect(!error.reason.isEmpty)
        }
        _ = try? CorruptionDetector().inspect(data: j)
    }

    @Test func garbageAfterMagic() {
        var rng = SplitMix(seed: 3)
        let j: [UInt8] = [0xFF, 0xD8, 0xFF] + (0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        do {
            _ = try generator.makeVariants(data: j, thumbnail: .thumbnail(), small: .small())
            Issue.record("garbage decoded")
        } catch {
            #expect(["corrupt", "truncated", "unsupported"].contains(error.reason), "\(error)")
        }
    }

    @Test func missingFileIsIO() {
        #expect(throws: ImagingError.self) { try generator.probe(path: "/nonexistent/x.jpg") }
        do {
            _ = try generator.makeVariants(path: "/nonexistent/x.jpg", thumbnail: .thumbnail(), small: nil)
        } catch {
            #expect(error.reason == "io")
        }
    }
}
