import CVips
import CVipsShim

/// WebP variants, written beside the JPEG ones when the `variant_formats` setting lists WebP: encoded by libvips
/// (libwebp) from the same pixels as the JPEG, never from the JPEG.
enum WebPEncoder {
    static func encode(_ image: YCbCrImage, quality: Int) throws(ImagingError) -> EncodedImage {
        let rgb = image.packedRGB(width: image.width, height: image.height, alpha: false)
        var buffer: UnsafeMutableRawPointer? = nil
        var length = 0
        let rc = rgb.withUnsafeBufferPointer { p in
            tl_webpsave_rgb(p.baseAddress, Int32(image.width), Int32(image.height), Int32(max(1, min(100, quality))), &buffer, &length)
        }
        guard rc == 0, let buffer else { throw .corrupt("WebP encode failed: \(takeVipsError())") }
        defer { tl_free(buffer) }
        return EncodedImage(bytes: [UInt8](UnsafeRawBufferPointer(start: buffer, count: length)), width: image.width, height: image.height)
    }
}

extension YCbCrImage {
    /// Packed RGB (or opaque RGBA) of the top-left `width × height` pixels: full-range BT.601 (JFIF); chroma planes of
    /// any subsampling are sampled at the nearest position.
    func packedRGB(width w: Int, height h: Int, alpha: Bool) -> [UInt8] {
        let channels = alpha ? 4 : 3
        var out = [UInt8](repeating: 255, count: w * h * channels)
        for row in 0..<h {
            for col in 0..<w {
                let luma = Double(y.pixels[row * y.width + col])
                var r = luma, g = luma, b = luma
                if let cb, let cr {
                    let cbx = min(col * cb.width / width, cb.width - 1), cby = min(row * cb.height / height, cb.height - 1)
                    let crx = min(col * cr.width / width, cr.width - 1), cry = min(row * cr.height / height, cr.height - 1)
                    let u = Double(cb.pixels[cby * cb.width + cbx]) - 128, v = Double(cr.pixels[cry * cr.width + crx]) - 128
                    r = luma + 1.402 * v
                    g = luma - 0.344136 * u - 0.714136 * v
                    b = luma + 1.772 * u
                }
                let i = channels * (row * w + col)
                out[i] = UInt8(clamping: Int(r.rounded()))
                out[i + 1] = UInt8(clamping: Int(g.rounded()))
                out[i + 2] = UInt8(clamping: Int(b.rounded()))
            }
        }
        return out
    }
}
