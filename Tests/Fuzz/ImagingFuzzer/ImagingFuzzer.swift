import Foundation
import Imaging

// A coverage-guided fuzz target over everything that sees untrusted bytes: the JPEG header parser (`probe`), the
// integrity walk, corruption detection, and variant generation on the decoded image. `make fuzz` builds it with
// libFuzzer and AddressSanitizer (`-D FUZZING`); a plain build makes a replayer that runs the target once on each
// file it is given (`ImagingFuzzer FILE…`), which is how crashes found by the fuzzer stay regression tests.

/// Frames past this many pixels are refused before decoding: it keeps each run fast, and the limit check itself
/// is code under test.
let limits = ImageLimits(maxSourcePixels: 4_000_000)

func fuzzOnce(_ bytes: [UInt8]) {
    let generator = VariantGenerator(limits: limits)
    _ = try? generator.probe(data: bytes)
    _ = JPEGIntegrity.decodesCleanly(bytes, limits: limits)
    _ = try? CorruptionDetector(limits: limits).inspect(data: bytes)
    _ = try? generator.makeVariants(data: bytes, thumbnail: .thumbnail(), small: .small())
}

#if FUZZING
/// libFuzzer's driver, linked in by `-sanitize=fuzzer` (its own `main` is not used: this executable has one).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct Fuzz {
    static func main() {
        ImagingRuntime.initialize()
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = runFuzzerDriver(&argc, &argv) { data, size in
            fuzzOnce(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }
        exit(status)
    }
}
#else
@main
struct Replay {
    static func main() throws {
        ImagingRuntime.initialize()
        let paths = CommandLine.arguments.dropFirst()
        for path in paths {
            fuzzOnce(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        print("replayed \(paths.count) inputs")
    }
}
#endif
