import Database
import Foundation
import Synchronization
import TimelapserCore

/// Frames done of a running render, with the rate and time left measured since it started.
final class RenderProgress: Sendable {
    private struct State {
        var total: Int
        var done = 0
        var firstFrameAt: ContinuousClock.Instant?
    }
    private let state: Mutex<State>

    init(total: Int) {
        state = Mutex(State(total: total))
    }

    func setTotal(_ total: Int) {
        state.withLock { $0.total = total }
    }

    func setDone(_ done: Int) {
        state.withLock {
            if $0.firstFrameAt == nil { $0.firstFrameAt = .now }
            $0.done = done
        }
    }

    func event(_ video: VideoRecord) -> VideoRenderProgress {
        let (total, done, first) = state.withLock { ($0.total, $0.done, $0.firstFrameAt) }
        var fps: Double?
        var eta: Double?
        if let first, done > 1 {
            let elapsed = first.duration(to: .now).timeInterval
            if elapsed > 0 {
                let rate = Double(done - 1) / elapsed
                fps = (rate * 10).rounded() / 10
                eta = rate > 0 ? (Double(total - done) / rate * 10).rounded() / 10 : nil
            }
        }
        return VideoRenderProgress(videoId: video.id, timelapseId: video.timelapseId, framesDone: done, framesTotal: total,
                                   fps: fps, etaSeconds: eta)
    }
}

/// Lets one message through per interval (progress events: a few a second at most).
final class ProgressThrottle: Sendable {
    private let interval: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(interval: Duration) {
        self.interval = interval
    }

    func shouldSend() -> Bool {
        last.withLock { last in
            let now = ContinuousClock.now
            if let previous = last, previous.duration(to: now) < interval { return false }
            last = now
            return true
        }
    }
}
