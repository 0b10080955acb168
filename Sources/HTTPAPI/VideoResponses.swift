import Database
import Foundation
import TimelapserCore
import Videos

// The JSON shapes of videos.

/// A video (`GET /api/videos/{id}`): status, progress, what was rendered and the settings used.
struct VideoResponse: Encodable {
    struct Progress: Encodable {
        var framesDone: Int
        var framesTotal: Int
        var percent: Double
        @AlwaysPresent var fps: Double?
        @AlwaysPresent var etaSeconds: Double?
    }

    var id: Int64
    var timelapseId: Int64
    var name: String
    var version: Int
    var status: VideoStatus
    var origin: VideoOrigin
    var settings: JSONValue
    var progress: Progress
    @AlwaysPresent var frameCount: Int?
    @AlwaysPresent var firstFrameAt: Date?
    @AlwaysPresent var lastFrameAt: Date?
    @AlwaysPresent var fps: Double?
    @AlwaysPresent var durationSeconds: Double?
    @AlwaysPresent var sizeBytes: Int64?
    @AlwaysPresent var codec: String?
    @AlwaysPresent var width: Int?
    @AlwaysPresent var height: Int?
    @AlwaysPresent var error: String?
    var attempts: Int
    var createdAt: Date
    @AlwaysPresent var startedAt: Date?
    @AlwaysPresent var completedAt: Date?
    @AlwaysPresent var renderSeconds: Double?
    @AlwaysPresent var fileUrl: String?
    @AlwaysPresent var posterUrl: String?

    init(_ v: VideoRecord) {
        id = v.id
        timelapseId = v.timelapseId
        name = v.name
        version = v.version
        status = v.status
        origin = v.origin
        settings = (try? JSONDecoder().decode(JSONValue.self, from: Data(v.settings.utf8))) ?? .object([:])
        let percent = v.framesTotal > 0 ? (Double(v.framesDone) * 1000 / Double(v.framesTotal)).rounded() / 10 : 0
        progress = Progress(framesDone: v.framesDone, framesTotal: v.framesTotal, percent: percent, fps: v.renderFps,
                            etaSeconds: v.etaSeconds)
        frameCount = v.frameCount
        firstFrameAt = v.firstFrameAt
        lastFrameAt = v.lastFrameAt
        fps = v.fps
        durationSeconds = v.durationSeconds
        sizeBytes = v.sizeBytes
        codec = v.codec
        width = v.width
        height = v.height
        error = v.errorMessage
        attempts = v.attempts
        createdAt = v.createdAt
        startedAt = v.startedAt
        completedAt = v.completedAt
        renderSeconds = v.renderMs.map { Double($0) / 1000 }
        let done = v.status == .completed
        fileUrl = done ? "/api/videos/\(v.id)/file" : nil
        posterUrl = done && v.posterPath != nil ? "/api/videos/\(v.id)/poster" : nil
    }
}

/// `POST /api/timelapses/{id}/videos` → 202.
struct VideoQueuedResponse: Encodable {
    var videoId: Int64
    var status: VideoStatus
    var name: String
    var version: Int
}

/// `POST /api/timelapses/{id}/videos?dry_run=true`: what a render would use and cost.
struct VideoDryRunResponse: Encodable {
    var frameCount: Int
    @AlwaysPresent var firstFrameAt: Date?
    @AlwaysPresent var lastFrameAt: Date?
    var fps: Double
    var durationSeconds: Double
    var width: Int
    var height: Int
    var estimatedRenderSeconds: Double
    var estimatedSizeBytes: Int64
    /// Past renders the estimate learnt from (0: built-in defaults).
    var estimateBasedOnRenders: Int

    init(_ dryRun: VideoService.DryRun) {
        let plan = dryRun.plan
        frameCount = plan.frames.count
        firstFrameAt = plan.frames.first?.capturedAt
        lastFrameAt = plan.frames.last?.capturedAt
        fps = plan.fps
        durationSeconds = (plan.durationSeconds * 1000).rounded() / 1000
        // No frame, no size: 0 rather than the planner's placeholder.
        width = plan.frames.isEmpty ? 0 : plan.width
        height = plan.frames.isEmpty ? 0 : plan.height
        estimatedRenderSeconds = dryRun.estimate.seconds
        estimatedSizeBytes = dryRun.estimate.bytes
        estimateBasedOnRenders = dryRun.estimate.basedOnRenders
    }
}
