import Foundation

/// Everything the server announces to dashboards, other processes and its own caches, as one typed value.
///
/// Publishers construct a case; the bus numbers it and encodes its payload once (`data`); the SSE stream,
/// the PostgreSQL relay, the serving cache and the tests all decode the same type back with
/// ``init(kind:data:)``. The wire name of each case is its ``Kind``.
public enum ServerEvent: Sendable, Equatable {
    case imageCaptured(ImageCaptured)
    case imageDeleted(ImageDeleted)
    case thumbnailJobCompleted(ThumbnailJobCompleted)
    case thumbnailJobFailed(ThumbnailJobFailed)
    case regenerationStarted(RegenerationStarted)
    case regenerationProgress(RegenerationProgressed)
    case regenerationCompleted(RegenerationEnded)
    case regenerationCancelled(RegenerationEnded)
    case thumbnailsVerified(ThumbnailsVerified)
    case thumbnailsRepaired(ThumbnailsRepaired)
    case thumbnailsCleaned(ThumbnailsCleaned)
    case thumbnailsDeleted(ThumbnailsDeleted)
    case timelapseCompleted(TimelapseCompleted)
    case timelapseDeleted(TimelapseDeleted)
    case cameraDeleted(CameraDeleted)
    case diskLow(DiskLow)
    case videoQueued(VideoQueued)
    case videoRenderProgress(VideoRenderProgress)
    case videoCompleted(VideoCompleted)
    case videoFailed(VideoEnded)
    case videoCancelled(VideoEnded)
    case cameraOffline(CameraOutageChanged)
    case cameraOnline(CameraOutageChanged)
    case retentionApplied(RetentionApplied)

    /// The `event:` name of each case on the SSE stream.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case imageCaptured = "image_captured"
        case imageDeleted = "image_deleted"
        case thumbnailJobCompleted = "thumbnail_job_completed"
        case thumbnailJobFailed = "thumbnail_job_failed"
        case regenerationStarted = "thumbnail_regeneration_started"
        case regenerationProgress = "thumbnail_regeneration_progress"
        case regenerationCompleted = "thumbnail_regeneration_completed"
        case regenerationCancelled = "thumbnail_regeneration_cancelled"
        case thumbnailsVerified = "thumbnails_verified"
        case thumbnailsRepaired = "thumbnails_repaired"
        case thumbnailsCleaned = "thumbnails_cleaned"
        case thumbnailsDeleted = "thumbnails_deleted"
        case timelapseCompleted = "timelapse_completed"
        case timelapseDeleted = "timelapse_deleted"
        case cameraDeleted = "camera_deleted"
        case diskLow = "disk_low"
        case videoQueued = "video_queued"
        case videoRenderProgress = "video_render_progress"
        case videoCompleted = "video_completed"
        case videoFailed = "video_failed"
        case videoCancelled = "video_cancelled"
        case cameraOffline = "camera_offline"
        case cameraOnline = "camera_online"
        case retentionApplied = "retention_applied"
    }

    public var kind: Kind {
        switch self {
        case .imageCaptured: .imageCaptured
        case .imageDeleted: .imageDeleted
        case .thumbnailJobCompleted: .thumbnailJobCompleted
        case .thumbnailJobFailed: .thumbnailJobFailed
        case .regenerationStarted: .regenerationStarted
        case .regenerationProgress: .regenerationProgress
        case .regenerationCompleted: .regenerationCompleted
        case .regenerationCancelled: .regenerationCancelled
        case .thumbnailsVerified: .thumbnailsVerified
        case .thumbnailsRepaired: .thumbnailsRepaired
        case .thumbnailsCleaned: .thumbnailsCleaned
        case .thumbnailsDeleted: .thumbnailsDeleted
        case .timelapseCompleted: .timelapseCompleted
        case .timelapseDeleted: .timelapseDeleted
        case .cameraDeleted: .cameraDeleted
        case .diskLow: .diskLow
        case .videoQueued: .videoQueued
        case .videoRenderProgress: .videoRenderProgress
        case .videoCompleted: .videoCompleted
        case .videoFailed: .videoFailed
        case .videoCancelled: .videoCancelled
        case .cameraOffline: .cameraOffline
        case .cameraOnline: .cameraOnline
        case .retentionApplied: .retentionApplied
        }
    }

    /// The payload as one line of JSON (snake_case keys, ISO 8601 dates): the `data:` of the SSE frame.
    public var data: String {
        let encoder = Self.encoder
        let bytes: Data?
        switch self {
        case .imageCaptured(let p): bytes = try? encoder.encode(p)
        case .imageDeleted(let p): bytes = try? encoder.encode(p)
        case .thumbnailJobCompleted(let p): bytes = try? encoder.encode(p)
        case .thumbnailJobFailed(let p): bytes = try? encoder.encode(p)
        case .regenerationStarted(let p): bytes = try? encoder.encode(p)
        case .regenerationProgress(let p): bytes = try? encoder.encode(p)
        case .regenerationCompleted(let p), .regenerationCancelled(let p): bytes = try? encoder.encode(p)
        case .thumbnailsVerified(let p): bytes = try? encoder.encode(p)
        case .thumbnailsRepaired(let p): bytes = try? encoder.encode(p)
        case .thumbnailsCleaned(let p): bytes = try? encoder.encode(p)
        case .thumbnailsDeleted(let p): bytes = try? encoder.encode(p)
        case .timelapseCompleted(let p): bytes = try? encoder.encode(p)
        case .timelapseDeleted(let p): bytes = try? encoder.encode(p)
        case .cameraDeleted(let p): bytes = try? encoder.encode(p)
        case .diskLow(let p): bytes = try? encoder.encode(p)
        case .videoQueued(let p): bytes = try? encoder.encode(p)
        case .videoRenderProgress(let p): bytes = try? encoder.encode(p)
        case .videoCompleted(let p): bytes = try? encoder.encode(p)
        case .videoFailed(let p), .videoCancelled(let p): bytes = try? encoder.encode(p)
        case .cameraOffline(let p), .cameraOnline(let p): bytes = try? encoder.encode(p)
        case .retentionApplied(let p): bytes = try? encoder.encode(p)
        }
        return bytes.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Decodes an event of `kind` from its JSON payload (the inverse of ``data``).
    public init(kind: Kind, data: String) throws {
        let decoder = Self.decoder
        let bytes = Data(data.utf8)
        switch kind {
        case .imageCaptured: self = .imageCaptured(try decoder.decode(ImageCaptured.self, from: bytes))
        case .imageDeleted: self = .imageDeleted(try decoder.decode(ImageDeleted.self, from: bytes))
        case .thumbnailJobCompleted: self = .thumbnailJobCompleted(try decoder.decode(ThumbnailJobCompleted.self, from: bytes))
        case .thumbnailJobFailed: self = .thumbnailJobFailed(try decoder.decode(ThumbnailJobFailed.self, from: bytes))
        case .regenerationStarted: self = .regenerationStarted(try decoder.decode(RegenerationStarted.self, from: bytes))
        case .regenerationProgress: self = .regenerationProgress(try decoder.decode(RegenerationProgressed.self, from: bytes))
        case .regenerationCompleted: self = .regenerationCompleted(try decoder.decode(RegenerationEnded.self, from: bytes))
        case .regenerationCancelled: self = .regenerationCancelled(try decoder.decode(RegenerationEnded.self, from: bytes))
        case .thumbnailsVerified: self = .thumbnailsVerified(try decoder.decode(ThumbnailsVerified.self, from: bytes))
        case .thumbnailsRepaired: self = .thumbnailsRepaired(try decoder.decode(ThumbnailsRepaired.self, from: bytes))
        case .thumbnailsCleaned: self = .thumbnailsCleaned(try decoder.decode(ThumbnailsCleaned.self, from: bytes))
        case .thumbnailsDeleted: self = .thumbnailsDeleted(try decoder.decode(ThumbnailsDeleted.self, from: bytes))
        case .timelapseCompleted: self = .timelapseCompleted(try decoder.decode(TimelapseCompleted.self, from: bytes))
        case .timelapseDeleted: self = .timelapseDeleted(try decoder.decode(TimelapseDeleted.self, from: bytes))
        case .cameraDeleted: self = .cameraDeleted(try decoder.decode(CameraDeleted.self, from: bytes))
        case .diskLow: self = .diskLow(try decoder.decode(DiskLow.self, from: bytes))
        case .videoQueued: self = .videoQueued(try decoder.decode(VideoQueued.self, from: bytes))
        case .videoRenderProgress: self = .videoRenderProgress(try decoder.decode(VideoRenderProgress.self, from: bytes))
        case .videoCompleted: self = .videoCompleted(try decoder.decode(VideoCompleted.self, from: bytes))
        case .videoFailed: self = .videoFailed(try decoder.decode(VideoEnded.self, from: bytes))
        case .videoCancelled: self = .videoCancelled(try decoder.decode(VideoEnded.self, from: bytes))
        case .cameraOffline: self = .cameraOffline(try decoder.decode(CameraOutageChanged.self, from: bytes))
        case .cameraOnline: self = .cameraOnline(try decoder.decode(CameraOutageChanged.self, from: bytes))
        case .retentionApplied: self = .retentionApplied(try decoder.decode(RetentionApplied.self, from: bytes))
        }
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

extension ServerEvent.Kind {
    /// Whether the event is sent to the other processes sharing the database. Regeneration progress is not: every
    /// server's regeneration monitor reads it from the database and publishes it itself, so relaying it too would
    /// reach each server's clients once per server.
    public var crossesProcesses: Bool { self != .regenerationProgress }
}
