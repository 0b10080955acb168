import Foundation

// The payloads of the video render events. Property names become snake_case keys on the wire.

/// A render was queued (by a user or an automation trigger).
public struct VideoQueued: Codable, Sendable, Equatable {
    public var videoId: Int64
    public var timelapseId: Int64
    public var name: String
    public var version: Int
    public var origin: VideoOrigin

    public init(videoId: Int64, timelapseId: Int64, name: String, version: Int, origin: VideoOrigin) {
        self.videoId = videoId
        self.timelapseId = timelapseId
        self.name = name
        self.version = version
        self.origin = origin
    }
}

/// Progress of a render: sent a few times a second at most.
public struct VideoRenderProgress: Codable, Sendable, Equatable {
    public var videoId: Int64
    public var timelapseId: Int64
    public var framesDone: Int
    public var framesTotal: Int
    public var progressPercent: Double
    @AlwaysPresent public var fps: Double?
    @AlwaysPresent public var etaSeconds: Double?

    public init(videoId: Int64, timelapseId: Int64, framesDone: Int, framesTotal: Int, fps: Double?, etaSeconds: Double?) {
        self.videoId = videoId
        self.timelapseId = timelapseId
        self.framesDone = framesDone
        self.framesTotal = framesTotal
        self.progressPercent = framesTotal > 0 ? (Double(framesDone) * 1000 / Double(framesTotal)).rounded() / 10 : 0
        self.fps = fps
        self.etaSeconds = etaSeconds
    }
}

/// A render finished and its file is in place.
public struct VideoCompleted: Codable, Sendable, Equatable {
    public var videoId: Int64
    public var timelapseId: Int64
    public var frameCount: Int
    public var durationSeconds: Double
    public var sizeBytes: Int64
    public var renderSeconds: Double

    public init(videoId: Int64, timelapseId: Int64, frameCount: Int, durationSeconds: Double, sizeBytes: Int64, renderSeconds: Double) {
        self.videoId = videoId
        self.timelapseId = timelapseId
        self.frameCount = frameCount
        self.durationSeconds = durationSeconds
        self.sizeBytes = sizeBytes
        self.renderSeconds = renderSeconds
    }
}

/// A render failed (`error` says why) or was cancelled (`error` is null).
public struct VideoEnded: Codable, Sendable, Equatable {
    public var videoId: Int64
    public var timelapseId: Int64
    @AlwaysPresent public var error: String?

    public init(videoId: Int64, timelapseId: Int64, error: String?) {
        self.videoId = videoId
        self.timelapseId = timelapseId
        self.error = error
    }
}
