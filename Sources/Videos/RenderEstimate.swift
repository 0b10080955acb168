import Database

/// How long a render will take and how big its file will be, learnt from past renders: their encoding speed in
/// pixels per second and their size in bytes per pixel, scaled to this plan's frames and size.
public struct RenderEstimate: Sendable, Equatable {
    public var seconds: Double
    public var bytes: Int64
    /// How many past renders the figures come from (0: built-in defaults).
    public var basedOnRenders: Int

    /// Defaults before any render finished: a modest machine's H.264 `veryfast` speed, CRF 23's size.
    static let defaultPixelsPerSecond = 40_000_000.0
    static let defaultBytesPerPixel = 0.02

    static func estimate(_ plan: RenderPlan, history: [VideoRecord]) -> RenderEstimate {
        let pixels = Double(plan.frames.count * plan.width * plan.height)
        let sameCodec = history.filter { $0.codec == plan.spec.codec.rawValue }
        let sample = sameCodec.isEmpty ? history : sameCodec
        var speeds: [Double] = []
        var densities: [Double] = []
        for video in sample {
            guard let frames = video.frameCount, let w = video.width, let h = video.height, let ms = video.renderMs,
                  let size = video.sizeBytes, frames > 0, ms > 0 else { continue }
            let done = Double(frames * w * h)
            speeds.append(done / (Double(ms) / 1000))
            densities.append(Double(size) / done)
        }
        let speed = speeds.isEmpty ? defaultPixelsPerSecond : speeds.reduce(0, +) / Double(speeds.count)
        let density = densities.isEmpty ? defaultBytesPerPixel : densities.reduce(0, +) / Double(densities.count)
        return RenderEstimate(seconds: ((pixels / speed) * 10).rounded() / 10, bytes: Int64(pixels * density),
                              basedOnRenders: speeds.count)
    }
}
