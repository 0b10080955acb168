import CVips
import CVipsShim
import CVipsTestShim
@testable import Imaging

/// Encoders and decoders the tests use to build JPEG fixtures in memory and to decode what the server wrote,
/// through libvips and libjpeg-turbo directly (never linked into the server).
public enum Fixtures {
    public enum Pixels: Sendable { case rgb, grey, cmyk }

    /// Encodes packed pixels (3 bytes RGB, 1 byte grey or 4 bytes CMYK per pixel).
    public static func encode(_ pixels: [UInt8], width: Int, height: Int, format: Pixels = .rgb,
                       quality: Int = 92, subsampling: Int32 = Int32(TJSAMP_420.rawValue),
                       progressive: Bool = false) -> [UInt8] {
        guard let handle = tjInitCompress() else { fatalError("tjInitCompress") }
        defer { tjDestroy(handle) }
        let pf: Int32
        var sub = subsampling
        switch format {
        case .rgb: pf = Int32(TJPF_RGB.rawValue)
        case .grey: pf = Int32(TJPF_GRAY.rawValue); sub = Int32(TJSAMP_GRAY.rawValue)
        case .cmyk: pf = Int32(TJPF_CMYK.rawValue)
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let rc = pixels.withUnsafeBufferPointer { p in
            tjCompress2(handle, p.baseAddress, Int32(width), 0, Int32(height), pf, &out, &size, sub, Int32(quality),
                        progressive ? Int32(TJFLAG_PROGRESSIVE) : 0)
        }
        precondition(rc == 0, String(cString: tjGetErrorStr2(handle)))
        defer { tjFree(out) }
        return [UInt8](UnsafeBufferPointer(start: out, count: Int(size)))
    }

    /// Inserts an APP1 Exif segment with the given orientation right after SOI.
    public static func withOrientation(_ jpeg: [UInt8], _ orientation: Int, bigEndian: Bool = false) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: Int) -> [UInt8] { bigEndian ? u16(v >> 16) + u16(v & 0xFFFF) : u16(v & 0xFFFF) + u16(v >> 16) }
        var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        tiff += u16(42) + u32(8)
        tiff += u16(1)                                   // one entry
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
        tiff += u32(0)                                   // no next IFD
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let segment: [UInt8] = [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        return Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
    }

    /// Re-saves a JPEG through libvips with its built-in sRGB ICC profile attached.
    public static func withICCProfile(_ jpeg: [UInt8]) -> [UInt8] {
        ImagingRuntime.initialize()
        var img: UnsafeMutablePointer<VipsImage>? = nil
        var tagged: UnsafeMutablePointer<VipsImage>? = nil
        defer { tl_unref(img); tl_unref(tagged) }
        precondition(jpeg.withUnsafeBufferPointer { tl_jpegload_buffer($0.baseAddress, $0.count, 1, 1, &img) } == 0)
        precondition(tl_icc_export_srgb(img, &tagged) == 0, takeVipsError())
        var buf: UnsafeMutableRawPointer? = nil
        var len = 0
        precondition(tl_jpegsave_buffer(tagged, &buf, &len, 95, 0) == 0, takeVipsError())
        defer { tl_free(buf) }
        return [UInt8](UnsafeRawBufferPointer(start: buf, count: len))
    }

    public struct Decoded: Sendable {
        public var width: Int
        public var height: Int
        public var bands: Int
        public var interpretation: String
        public var hasICC: Bool
        public var pixels: [UInt8]
        public func pixel(_ x: Int, _ y: Int) -> [Int] {
            (0..<bands).map { Int(pixels[(y * width + x) * bands + $0]) }
        }
    }

    /// Decodes with libvips as a viewer would (no rotation applied).
    public static func decode(_ jpeg: [UInt8]) -> Decoded? {
        ImagingRuntime.initialize()
        var img: UnsafeMutablePointer<VipsImage>? = nil
        defer { tl_unref(img) }
        guard jpeg.withUnsafeBufferPointer({ tl_jpegload_buffer($0.baseAddress, $0.count, 1, 1, &img) }) == 0,
              let img else { _ = takeVipsError(); return nil }
        var size = 0
        guard let mem = vips_image_write_to_memory(img, &size) else { _ = takeVipsError(); return nil }
        defer { tl_free(mem) }
        let interp = tl_image_interpretation(img)
        let name = interp == VIPS_INTERPRETATION_sRGB ? "srgb" : interp == VIPS_INTERPRETATION_B_W ? "b-w"
            : interp == VIPS_INTERPRETATION_CMYK ? "cmyk" : "other"
        return Decoded(width: Int(tl_image_width(img)), height: Int(tl_image_height(img)),
                       bands: Int(tl_image_bands(img)), interpretation: name,
                       hasICC: tl_image_has_icc(img) != 0,
                       pixels: [UInt8](UnsafeRawBufferPointer(start: mem, count: size)))
    }
}

extension Fixtures {
    /// libvips' own EXIF autorotation of a JPEG (for cross-checking orientation).
    public static func decodeUpright(_ jpeg: [UInt8]) -> Decoded? {
        ImagingRuntime.initialize()
        var img: UnsafeMutablePointer<VipsImage>? = nil
        var rot: UnsafeMutablePointer<VipsImage>? = nil
        defer { tl_unref(img); tl_unref(rot) }
        guard jpeg.withUnsafeBufferPointer({ tl_jpegload_buffer($0.baseAddress, $0.count, 1, 1, &img) }) == 0,
              tl_autorot(img, &rot) == 0, let rot else { _ = takeVipsError(); return nil }
        return materialise(rot)
    }

    /// Full-resolution decode + Lanczos-3 reduce with libvips (the benchmark's reference).
    public static func reference(_ jpeg: [UInt8], width: Int, height: Int) -> Decoded? {
        ImagingRuntime.initialize()
        var img: UnsafeMutablePointer<VipsImage>? = nil
        var small: UnsafeMutablePointer<VipsImage>? = nil
        defer { tl_unref(img); tl_unref(small) }
        guard jpeg.withUnsafeBufferPointer({ tl_jpegload_buffer($0.baseAddress, $0.count, 1, 1, &img) }) == 0,
              let img else { return nil }
        let hs = Double(width) / Double(tl_image_width(img)), vs = Double(height) / Double(tl_image_height(img))
        guard tl_resize_lanczos3(img, &small, hs, vs) == 0, let small else { _ = takeVipsError(); return nil }
        return materialise(small)
    }

    private static func materialise(_ img: UnsafeMutablePointer<VipsImage>) -> Decoded? {
        var size = 0
        guard let mem = vips_image_write_to_memory(img, &size) else { _ = takeVipsError(); return nil }
        defer { tl_free(mem) }
        return Decoded(width: Int(tl_image_width(img)), height: Int(tl_image_height(img)),
                       bands: Int(tl_image_bands(img)), interpretation: "srgb", hasICC: false,
                       pixels: [UInt8](UnsafeRawBufferPointer(start: mem, count: size)))
    }
}
