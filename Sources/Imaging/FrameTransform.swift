/// A camera's crop and rotation, applied to what is made from a frame (variants, video frames), never to the
/// stored frame itself. Order: crop (in the stored frame's coded pixels, before EXIF orientation), then the EXIF
/// orientation, then `rotation` clockwise, then the resize to the target.
public struct FrameTransform: Sendable, Equatable, Hashable {
    /// A rectangle in the stored frame's coded pixels.
    public struct Rect: Sendable, Equatable, Hashable {
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int

        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    /// nil: the whole frame.
    public var crop: Rect?
    /// Clockwise degrees: 0, 90, 180 or 270 (anything else counts as 0).
    public var rotation: Int

    public init(crop: Rect? = nil, rotation: Int = 0) {
        self.crop = crop
        self.rotation = rotation
    }

    public static let identity = FrameTransform()

    public var isIdentity: Bool { crop == nil && quarterTurns == 0 }

    /// Clockwise quarter turns (0…3).
    var quarterTurns: Int {
        switch rotation {
        case 90: 1
        case 180: 2
        case 270: 3
        default: 0
        }
    }

    /// The crop clipped to a `width × height` frame; nil when there is no crop, when it covers the whole frame, or
    /// when it lies wholly outside it (the whole frame is used then).
    public func clippedCrop(width: Int, height: Int) -> Rect? {
        guard let crop, width > 0, height > 0 else { return nil }
        let x0 = min(max(crop.x, 0), width), y0 = min(max(crop.y, 0), height)
        let x1 = min(max(crop.x + crop.width, 0), width), y1 = min(max(crop.y + crop.height, 0), height)
        guard x1 > x0, y1 > y0 else { return nil }
        if x0 == 0 && y0 == 0 && x1 == width && y1 == height { return nil }
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The EXIF orientation (1…8) equal to `orientation` followed by this transform's rotation.
    public func orientation(composedWith orientation: Int) -> Int {
        let turns = quarterTurns
        guard turns > 0 else { return orientation }
        let base = (1...8).contains(orientation) ? orientation : 1
        var m = Self.matrices[base - 1]
        for _ in 0..<turns {
            // Clockwise quarter turn, y down: (x, y) → (−y, x).
            m = (-m.2, -m.3, m.0, m.1)
        }
        return (Self.matrices.firstIndex { $0 == m } ?? 0) + 1
    }

    /// Each EXIF orientation as the map from a stored pixel (centred, y down) to the upright one:
    /// (a, b, c, d) sends (x, y) to (a·x + b·y, c·x + d·y). Matches `Orientation.apply`.
    static let matrices: [(Int, Int, Int, Int)] = [
        (1, 0, 0, 1),    // 1
        (-1, 0, 0, 1),   // 2: mirror left–right
        (-1, 0, 0, -1),  // 3: 180°
        (1, 0, 0, -1),   // 4: mirror top–bottom
        (0, 1, 1, 0),    // 5: transpose
        (0, -1, 1, 0),   // 6: 90° clockwise
        (0, -1, -1, 0),  // 7: transverse
        (0, 1, -1, 0),   // 8: 90° anticlockwise
    ]

    /// The size of what this transform makes of a `width × height` stored frame with EXIF `orientation`, before
    /// any resize: the clipped crop, sides swapped when the composed orientation turns it a quarter.
    public func outputSize(storedWidth width: Int, storedHeight height: Int, orientation: Int = 1) -> (width: Int, height: Int) {
        let rect = clippedCrop(width: width, height: height)
        let w = rect?.width ?? width, h = rect?.height ?? height
        return self.orientation(composedWith: orientation) >= 5 ? (h, w) : (w, h)
    }

    /// The minimum size to ask of the decode of the whole `width × height` frame so that the crop, once decoded,
    /// is at least `minWidth × minHeight`.
    static func decodeMinimum(crop: Rect?, width: Int, height: Int, minWidth: Int, minHeight: Int) -> (width: Int, height: Int) {
        guard let crop else { return (minWidth, minHeight) }
        return ((minWidth * width + crop.width - 1) / crop.width, (minHeight * height + crop.height - 1) / crop.height)
    }
}

extension YCbCrImage {
    /// The part of a decoded image (`fullWidth × fullHeight` at full scale) under `rect` (full-scale coded pixels):
    /// scaled to the decode, luma offsets aligned to the chroma subsampling so chroma crops at whole samples.
    func cropped(to rect: FrameTransform.Rect, fullWidth: Int, fullHeight: Int) -> YCbCrImage {
        let dw = y.width, dh = y.height
        // Chroma subsampling factors (1, 2 or 4).
        let fx = cb.map { max(1, Int((Double(dw) / Double(max($0.width, 1))).rounded())) } ?? 1
        let fy = cb.map { max(1, Int((Double(dh) / Double(max($0.height, 1))).rounded())) } ?? 1
        var x0 = rect.x * dw / fullWidth, y0 = rect.y * dh / fullHeight
        let x1 = min(dw, max(x0 + 1, ((rect.x + rect.width) * dw + fullWidth - 1) / fullWidth))
        let y1 = min(dh, max(y0 + 1, ((rect.y + rect.height) * dh + fullHeight - 1) / fullHeight))
        x0 -= x0 % fx
        y0 -= y0 % fy
        let w = x1 - x0, h = y1 - y0
        guard w != dw || h != dh else { return self }
        func chroma(_ p: Plane) -> Plane {
            let cx = min(x0 / fx, p.width - 1), cy = min(y0 / fy, p.height - 1)
            let cw = min((w + fx - 1) / fx, p.width - cx), ch = min((h + fy - 1) / fy, p.height - cy)
            return p.cropped(x: cx, y: cy, width: max(cw, 1), height: max(ch, 1))
        }
        return YCbCrImage(y: y.cropped(x: x0, y: y0, width: w, height: h), cb: cb.map(chroma), cr: cr.map(chroma))
    }
}

extension Plane {
    func cropped(x: Int, y: Int, width newWidth: Int, height newHeight: Int) -> Plane {
        guard x != 0 || y != 0 || newWidth != width || newHeight != height else { return self }
        precondition(x >= 0 && y >= 0 && newWidth > 0 && newHeight > 0 && x + newWidth <= width && y + newHeight <= height)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        pixels.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                for row in 0..<newHeight {
                    let source = s.baseAddress! + (y + row) * width + x
                    (d.baseAddress! + row * newWidth).update(from: source, count: newWidth)
                }
            }
        }
        return Plane(width: newWidth, height: newHeight, pixels: out)
    }
}
