import DataDirectory
import Database
import Foundation
import Imaging
import Logging
import Subprocess

/// Renders a ``RenderPlan`` to an MP4: frames decode on ``RenderDecodePool`` (at the DCT scale the output needs)
/// ahead of ffmpeg, which reads them in order from its stdin.
public struct VideoRenderer: Sendable {
    let layout: DataLayout
    let pool: RenderDecodePool
    let limits: ImageLimits
    let logger: Logger

    public init(layout: DataLayout, pool: RenderDecodePool, limits: ImageLimits = .init(), logger: Logger) {
        self.layout = layout
        self.pool = pool
        self.limits = limits
        self.logger = logger
    }

    /// Encodes the plan into `output` (a scratch path), calling `progress` with the frames the encoder has finished.
    /// A frame that cannot be read (deleted while the render ran) repeats the previous one, so timing holds.
    public func render(
        _ plan: RenderPlan, timeZone: TimeZone, output: String, progress: @escaping @Sendable (Int) async -> Void
    ) async throws {
        guard !plan.frames.isEmpty else { throw RenderError.noFrames }
        let scratch = (output as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var filter: String?
        let captionsName = ((output as NSString).lastPathComponent as NSString).deletingPathExtension + ".srt"
        let captionsPath = scratch + "/" + captionsName
        defer { unlink(captionsPath) }
        if let overlay = plan.spec.overlay {
            let captions = OverlayCaptions(content: overlay.content, position: overlay.position)
            let document = OverlayCaptions.subRip(texts: captions.texts(for: plan, timeZone: timeZone), fps: plan.fps,
                                                  alignment: overlay.position.alignment)
            try Data(document.utf8).write(to: URL(fileURLWithPath: captionsPath))
            filter = captions.filter(fileName: captionsName)
        }
        let encoder = VideoEncoder(width: plan.width, height: plan.height, fps: plan.fps, codec: plan.spec.codec,
                                   quality: plan.spec.quality, preset: plan.spec.preset, filter: filter,
                                   workingDirectory: scratch, output: output)
        let decoder = VideoFrameDecoder(width: plan.width, height: plan.height, limits: limits, transform: plan.transform)
        let paths = plan.frames.map { layout.absolutePath($0.filePath) }
        let gains = plan.gains
        let pool = self.pool
        let logger = self.logger
        // Frames in flight: enough to keep every decode thread busy while the encoder takes one.
        let window = pool.threads + 2
        try await encoder.encode(encoded: progress) { writer in
            try await withThrowingTaskGroup(of: (Int, [UInt8]?).self) { group in
                var next = 0
                var written = 0
                var ready: [Int: [UInt8]?] = [:]
                var previous: [UInt8]?
                func launch() {
                    let index = next
                    next += 1
                    group.addTask {
                        guard let path = paths[index] else { return (index, nil) }
                        do {
                            return (index, try await pool.run { try decoder.frame(path: path, lumaGain: gains[index]) })
                        } catch let error as ImagingError {
                            logger.warning("render: frame unreadable, repeating the previous one",
                                           metadata: ["path": "\(path)", "error": "\(error)"])
                            return (index, nil)
                        }
                    }
                }
                while next < min(window, paths.count) { launch() }
                while written < paths.count {
                    if let frame = ready.removeValue(forKey: written) {
                        let bytes = frame ?? previous ?? Self.blackFrame(width: plan.width, height: plan.height)
                        _ = try await writer.write(bytes)
                        previous = bytes
                        written += 1
                        if next < paths.count { launch() }
                        continue
                    }
                    guard let (index, frame) = try await group.next() else { break }
                    ready[index] = frame
                }
            }
        }
    }

    static func blackFrame(width: Int, height: Int) -> [UInt8] {
        [UInt8](repeating: 16, count: width * height) + [UInt8](repeating: 128, count: width * height / 2)
    }

    /// A thumbnail-size JPEG of the plan's middle frame.
    public func poster(_ plan: RenderPlan) async throws -> [UInt8]? {
        guard !plan.frames.isEmpty, let path = layout.absolutePath(plan.frames[plan.frames.count / 2].filePath) else { return nil }
        let limits = self.limits
        let transform = plan.transform
        return try? await pool.run {
            try VariantGenerator(limits: limits).makeVariants(path: path, thumbnail: .thumbnail(), small: nil,
                                                              transform: transform).thumbnail.bytes
        }
    }
}
