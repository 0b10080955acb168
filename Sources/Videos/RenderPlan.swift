import Database
import Foundation
import Imaging

/// Everything a render needs, decided before the first frame is decoded: which frames, at what rate and size,
/// and each frame's brightness gain.
public struct RenderPlan: Sendable {
    public var frames: [RenderFrameRecord]
    public var fps: Double
    public var width: Int
    public var height: Int
    /// Luma gain per frame (all 1 without deflicker).
    public var gains: [Double]
    public var spec: RenderSpec
    /// The camera's crop and rotation, applied to every frame and the poster.
    public var transform: FrameTransform = .identity

    public var durationSeconds: Double { fps > 0 ? Double(frames.count) / fps : 0 }

    /// Plans a render of `selected` frames (already through ``FrameSelection``).
    public static func make(selected: [RenderFrameRecord], spec: RenderSpec, transform: FrameTransform = .identity) -> RenderPlan {
        var frames = selected
        let fps: Double
        switch spec.length {
        case .fps(let value):
            fps = value
        case .target(let seconds, let minFps, let maxFps):
            let wanted = Double(frames.count) / seconds
            fps = min(max(wanted, minFps), maxFps)
            // Even max_fps would run long: drop frames evenly to fit the target.
            let fitting = Int((seconds * maxFps).rounded(.down))
            if wanted > maxFps, fitting > 0, fitting < frames.count {
                frames = evenlySpaced(frames, count: fitting)
            }
        }
        // The output size follows the last frame (the camera's current resolution); frames of another size are
        // resized to it. The camera's crop and rotation shape it (the recorded size is the upright one, taken as
        // the stored one: frames with an EXIF quarter-turn are cropped by their coded pixels all the same).
        let reference = frames.last ?? selected.last
        let source = transform.outputSize(storedWidth: reference?.width ?? 2, storedHeight: reference?.height ?? 2)
        let size = spec.resolution.size(sourceWidth: source.width, sourceHeight: source.height)
        let gains = spec.deflicker ? Deflicker.gains(lumas: frames.map(\.meanLuma)) : [Double](repeating: 1, count: frames.count)
        return RenderPlan(frames: frames, fps: fps, width: size.width, height: size.height, gains: gains, spec: spec,
                          transform: transform)
    }

    /// `count` items spread evenly over `items`, first and last included.
    static func evenlySpaced<T>(_ items: [T], count: Int) -> [T] {
        guard count < items.count, count > 0 else { return items }
        if count == 1 { return [items[0]] }
        let step = Double(items.count - 1) / Double(count - 1)
        return (0..<count).map { items[Int((Double($0) * step).rounded())] }
    }
}

/// Smooths frame-to-frame brightness: each frame's gain brings its mean luma (measured once, from its thumbnail)
/// to the moving average of its neighbours'. Frames not measured yet keep a gain of 1.
public enum Deflicker {
    /// Frames on each side in the moving average.
    static let radius = 7

    public static func gains(lumas: [Double?]) -> [Double] {
        lumas.indices.map { i in
            guard let own = lumas[i], own > 1 else { return 1 }
            let window = lumas[max(0, i - radius)...min(lumas.count - 1, i + radius)].compactMap { $0 }
            let average = window.reduce(0, +) / Double(window.count)
            return min(max(average / own, 0.5), 2)
        }
    }
}
