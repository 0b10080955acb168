/// The neutral image served when an image (or a camera's latest image) has no file to show: a grey
/// thumbnail-sized card reading "NO IMAGE YET".
public enum PlaceholderImage {
    /// The JPEG bytes, encoded once per process on first use.
    public static let jpeg: [UInt8] = render()

    public static let width = 200
    public static let height = 150

    static func render() -> [UInt8] {
        var luma = [UInt8](repeating: 0xC8, count: width * height)
        drawBorder(&luma, inset: 6, value: 0xA8)
        drawText("NO IMAGE YET", into: &luma, scale: 2, value: 0x60)
        let plane = Plane(width: width, height: height, pixels: luma)
        // Luma alone: the encoder adds neutral chroma, so the card is a true grey.
        do {
            return try Codec.encode(YCbCrImage(y: plane, cb: nil, cr: nil), quality: 85).bytes
        } catch {
            preconditionFailure("the placeholder is a fixed in-memory image and always encodes: \(error)")
        }
    }

    private static func drawBorder(_ luma: inout [UInt8], inset: Int, value: UInt8) {
        for x in inset..<(width - inset) {
            luma[inset * width + x] = value
            luma[(height - 1 - inset) * width + x] = value
        }
        for y in inset..<(height - inset) {
            luma[y * width + inset] = value
            luma[y * width + width - 1 - inset] = value
        }
    }

    /// Draws `text` centred with the 5×7 glyphs below, each pixel a `scale`×`scale` square.
    private static func drawText(_ text: String, into luma: inout [UInt8], scale: Int, value: UInt8) {
        let advance = 6 * scale
        let originX = (width - text.count * advance + scale) / 2
        let originY = (height - 7 * scale) / 2
        for (index, character) in text.enumerated() {
            guard let rows = glyphs[character] else { continue }
            for (row, bits) in rows.enumerated() {
                for column in 0..<5 where bits & (0b10000 >> column) != 0 {
                    for dy in 0..<scale {
                        for dx in 0..<scale {
                            let x = originX + index * advance + column * scale + dx
                            let y = originY + row * scale + dy
                            luma[y * width + x] = value
                        }
                    }
                }
            }
        }
    }

    /// 5×7 glyphs (one row per element, high bit on the left) for the letters the card uses.
    private static let glyphs: [Character: [UInt8]] = [
        "N": [0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001, 0b10001],
        "O": [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        "I": [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "M": [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
        "A": [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        "G": [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
        "E": [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
        "Y": [0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100],
        "T": [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
    ]
}
