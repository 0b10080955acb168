import Events
import ServiceLifecycle
import TimelapserCore

/// Applies the event bus to the resolution cache until shutdown.
struct ResolutionCacheInvalidation: Service {
    let cache: ResolutionCache
    let events: EventBus

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let stream = await events.subscribe()
                // Whatever happened before this subscription (or while a dropped one lagged) is unknown.
                cache.invalidateAll()
                for await published in stream { Self.apply(published.event, to: cache) }
            }
        }
    }

    static func apply(_ event: ServerEvent, to cache: ResolutionCache) {
        switch event {
        case .thumbnailJobCompleted(let job):
            cache.forgetTimelapse(of: job.imageId, timelapseId: job.timelapseId)
        case .imageCaptured(let frame):
            cache.forgetLatest(frame.cameraId)
        case .imageDeleted(let image):
            cache.forget(image.imageId)
            cache.forgetLatest(image.cameraId)
        case .thumbnailJobFailed, .regenerationStarted, .regenerationProgress, .diskLow:
            // Nothing on disk or in a row changed that a completion event will not announce.
            return
        case .videoQueued, .videoRenderProgress, .videoCompleted, .videoFailed, .videoCancelled, .cameraOffline, .cameraOnline:
            // Videos and camera health are not images: nothing the resolver serves changed.
            return
        case .regenerationCompleted, .regenerationCancelled, .thumbnailsVerified, .thumbnailsRepaired,
             .thumbnailsCleaned, .thumbnailsDeleted, .timelapseCompleted, .timelapseDeleted, .cameraDeleted, .retentionApplied:
            // Maintenance, deletions of variants or (retention) of many frames at once, timelapse completion (which
            // may purge smalls): start afresh.
            cache.invalidateAll()
        }
    }
}
