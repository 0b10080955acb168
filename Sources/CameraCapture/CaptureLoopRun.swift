import Database
import Foundation
import Synchronization
import TimelapserCore

/// The wall clock the capture scheduler reads and sleeps on; tests inject their own.
public protocol CaptureClock: Sendable {
    func now() -> Date
    /// Sleeps until `deadline` (at once when it has passed); throws when cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's wall clock.
public struct SystemCaptureClock: CaptureClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
        try Task.checkCancellation()
    }
}

/// How long a capture lease lasts and how often its owner renews it: renewed about three times an interval (at most
/// every 10 s, at least every 0.5 s) and valid for three renewals (at least 2 s). A dead owner's camera is taken
/// over within one lease: about one interval for short intervals, 30 s at most for long ones.
struct CaptureLeaseTiming: Equatable {
    let renewEvery: Double
    let duration: Double

    init(intervalSeconds: Int) {
        renewEvery = min(max(Double(intervalSeconds) / 3, 0.5), 10)
        duration = max(3 * renewEvery, 2)
    }
}

/// Whether this process holds the camera's lease, as the heartbeat last saw it.
final class LeaseState: Sendable {
    let owned = Mutex(false)
}

extension CameraCaptureLoop {
    /// Runs the camera's lease heartbeat and its slots until cancelled.
    func run() async {
        let lease = LeaseState()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await heartbeat(lease) }
            group.addTask { await captureSlots(lease) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Takes or renews the lease at every renewal; a process that does not own the camera keeps trying, so it takes
    /// over once the owner's lease expires.
    func heartbeat(_ lease: LeaseState) async {
        let clock = scheduler.clock
        let timing = CaptureLeaseTiming(intervalSeconds: target.intervalSeconds)
        while !Task.isCancelled {
            let now = clock.now()
            let owned: Bool
            do {
                owned = try await scheduler.database.transaction { [owner = scheduler.owner, id = target.cameraId] db in
                    try await CaptureLeaseStore.acquire(db, cameraId: id, owner: owner, now: now,
                                                        until: now.addingTimeInterval(timing.duration))
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("capture lease not renewed", metadata: ["error": "\(error)"])
                owned = false
            }
            let before = lease.owned.withLock { previous in
                defer { previous = owned }
                return previous
            }
            if owned != before {
                logger.info(owned ? "capture lease taken" : "capture lease lost", metadata: ["owner": "\(scheduler.owner)"])
            }
            do { try await clock.sleep(until: now.addingTimeInterval(timing.renewEvery)) } catch { return }
        }
    }

    /// Captures at each slot of the schedule while this process owns the camera: the slot is claimed in the
    /// database first (never twice, whoever owns it), then grabbed; a failed grab retries with backoff within its
    /// slot (1 s, 2 s, 4 s … 30 s, never later than the next slot). Slots missed while late are skipped.
    func captureSlots(_ lease: LeaseState) async {
        let clock = scheduler.clock
        let schedule = target.schedule
        let timing = CaptureLeaseTiming(intervalSeconds: target.intervalSeconds)
        var failures = 0
        var earliest = clock.now()
        while !Task.isCancelled {
            guard let slot = schedule.nextCapture(atOrAfter: earliest) else {
                // No window within the horizon (a polar night): look again later.
                earliest = clock.now().addingTimeInterval(3600)
                do { try await clock.sleep(until: earliest) } catch { return }
                continue
            }
            do { try await clock.sleep(until: slot) } catch { return }
            let nextSlot = slot.addingTimeInterval(Double(target.intervalSeconds))
            earliest = nextSlot
            guard lease.owned.withLock({ $0 }), await claim(slot) else { continue }
            while true {
                let outcome = await attempt()
                if outcome == .cancelled || Task.isCancelled { return }
                guard outcome == .failed else {
                    if outcome == .stored { failures = 0 }
                    break
                }
                failures += 1
                let retryAt = clock.now().addingTimeInterval(Double(Self.backoff(afterFailures: failures).components.seconds))
                // A retry stays inside its slot (and its lease): later, the next slot's claim takes over.
                guard retryAt < nextSlot, retryAt < clock.now().addingTimeInterval(timing.duration) else { break }
                do { try await clock.sleep(until: retryAt) } catch { return }
            }
            // A late attempt does not catch up: the next one waits for the first slot after it ended, so every
            // frame lies in its own slot however late the wake-ups were.
            earliest = max(nextSlot, clock.now())
        }
    }

    /// Claims the slot for this process; false when another process owns the camera or took the slot.
    func claim(_ slot: Date) async -> Bool {
        do {
            return try await scheduler.database.transaction { [owner = scheduler.owner, id = target.cameraId] db in
                try await CaptureLeaseStore.claimSlot(db, cameraId: id, owner: owner, slot: slot)
            }
        } catch {
            if !Task.isCancelled { logger.warning("capture slot not claimed", metadata: ["error": "\(error)"]) }
            return false
        }
    }
}
