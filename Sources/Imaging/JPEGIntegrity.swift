/// A full decode check for files already written (deep verification of variants): the header parses and every
/// byte of the entropy-coded data decodes without damage.
public enum JPEGIntegrity {
    /// True when `data` is a JPEG of at most `limits.maxSourcePixels` that decodes cleanly. Decodes at 1/8 scale:
    /// the whole stream is still walked, so truncation and corrupt segments are found, at a fraction of the cost
    /// of a full-size decode. The limit is checked from the header first: a few hundred bytes can claim a
    /// gigapixel progressive image, whose coefficients alone would take gigabytes (found by the imaging fuzzer).
    public static func decodesCleanly(_ data: [UInt8], limits: ImageLimits = ImageLimits(maxSourcePixels: 4_000_000)) -> Bool {
        guard let header = try? data.withUnsafeBufferPointer({ b throws(ImagingError) in try JPEGHeader.parse(b) }),
              header.width * header.height <= limits.maxSourcePixels else {
            return false
        }
        guard let decoded = try? Codec.decode(data, header: header, minWidth: 1, minHeight: 1) else { return false }
        return decoded.warning == nil
    }
}
