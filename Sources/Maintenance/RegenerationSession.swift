import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import TimelapserCore

/// What starting a regenerate-all session did.
public struct RegenerationStart: Sendable, Equatable {
    public var sessionId: Int64
    /// Jobs this session queued: its `total`.
    public var jobsQueued: Int
    /// Images that matched but already had a pending or processing job (a capture's, or an image regeneration):
    /// they get their variants from that job and are not part of the session's `total`.
    public var skippedWithActiveJob: Int
    public var force: Bool
    public var limit: Int?
}

/// The state of the current (or last) regenerate-all session.
public struct RegenerationProgress: Sendable, Equatable {
    public var active = false
    public var sessionId: Int64?
    public var status: RegenerationStatus?
    public var total = 0
    public var completed = 0
    public var failed = 0
    public var cancelled = 0
    public var pending = 0
    public var processing = 0
    public var cancelRequested = false
    public var startedAt: Date?
    public var finishedAt: Date?
    public var estimatedCompletion: Date?
    /// Jobs finished per second since the session started.
    public var ratePerSecond: Double?

    public var finished: Int { completed + failed + cancelled }
    public var progressPercent: Double {
        total == 0 ? (sessionId == nil || active ? 0 : 100) : (Double(finished) * 1000 / Double(total)).rounded() / 10
    }
}

/// Regenerate-all sessions: start, status, cancel, and the end of a session when its last job is done.
public struct RegenerationSessions: MaintenanceOperation {
    let context: MaintenanceContext

    /// Starts a regenerate-all session: one at a time (``MaintenanceError/regenerationActive(sessionId:)``
    /// otherwise), persisted, its jobs queued in one INSERT…SELECT at bulk rank (after every capture).
    ///
    /// `force` regenerates every image; otherwise the file checks of ``ThumbnailVerifier`` run first
    /// (so a variant whose file is gone counts as missing) and only images missing their thumbnail — or their
    /// small when `small_generation_mode` is `all` — are queued. `total` counts the jobs this session queued;
    /// images that already had an active job are reported in `skippedWithActiveJob`, not in `total`.
    public func start(force: Bool = true, limit: Int? = nil) async throws -> RegenerationStart {
        let session: RegenerationSessionRecord
        do {
            // total = -1 while the jobs are being queued: nothing may declare the session finished meanwhile.
            session = try await database.transaction { db in
                try await RegenerationSessionStore.insertActive(db, forceAll: force, limit: limit, at: Date())
            }
        } catch DatabaseError.conflict {
            let active = try? await database.read { try await RegenerationSessionStore.fetchActive($0) }
            throw MaintenanceError.regenerationActive(sessionId: active?.id ?? 0)
        }
        do {
            if !force { _ = try await ThumbnailVerifier(context: context).verify(timelapseId: nil, deep: false) }
            let mode = try await settings.current().smallGenerationMode
            let selection = Self.regenerationSelection(force: force, mode: mode)
            let matched = try await database.read { try await MaintenanceStore.countImages($0, selection) }
            let queued = try await queue.enqueueBulk(selection, limit: limit, includeSmalls: true, sessionId: session.id)
            try await database.transaction { try await RegenerationSessionStore.setTotal($0, id: session.id, total: queued) }
            let skipped = max(0, min(matched, limit ?? Int.max) - queued)
            await events.publish(.regenerationStarted(RegenerationStarted(
                sessionId: session.id, total: queued, force: force, limit: limit, skippedWithActiveJob: skipped)))
            _ = try await finishIfDone(sessionId: session.id)
            return RegenerationStart(sessionId: session.id, jobsQueued: queued, skippedWithActiveJob: skipped, force: force, limit: limit)
        } catch {
            // Never leave an active session that nothing would ever finish.
            _ = try? await queue.cancelPending(sessionId: session.id)
            _ = try? await database.transaction {
                try await RegenerationSessionStore.finish($0, id: session.id, status: RegenerationStatus.cancelled, at: Date())
            }
            throw error
        }
    }

    /// Images a session queues: all, or those missing a variant the current mode makes for every frame.
    static func regenerationSelection(force: Bool, mode: SmallGenerationMode) -> ImageSelection {
        if force { return .all }
        return ImageSelection(missingAny: mode == .all ? [.thumbnail, .small] : [.thumbnail])
    }

    /// The active session's progress, else the last session's final state, else an idle status. Ends the active
    /// session when its last job has finished (so status reads never show a session stuck at 100 %).
    public func status(now: Date = Date()) async throws -> RegenerationProgress {
        guard var session = try await database.read({ db -> RegenerationSessionRecord? in
            if let active = try await RegenerationSessionStore.fetchActive(db) { return active }
            return try await RegenerationSessionStore.fetchLatest(db)
        }) else { return RegenerationProgress() }
        if session.status == RegenerationStatus.active, let ended = try await finishIfDone(sessionId: session.id) {
            session = ended
        }
        return try await progress(of: session, now: now)
    }

    func progress(of session: RegenerationSessionRecord, now: Date = Date()) async throws -> RegenerationProgress {
        let counts = try await queue.counts(sessionId: session.id)
        var p = RegenerationProgress()
        p.active = session.status == RegenerationStatus.active
        p.sessionId = session.id
        p.status = session.status
        p.total = max(session.total, 0)
        p.completed = counts.completed
        p.failed = counts.failed
        p.cancelled = counts.cancelled
        p.pending = counts.pending
        p.processing = counts.processing
        p.cancelRequested = session.cancelRequested
        p.startedAt = session.startedAt
        p.finishedAt = session.finishedAt
        let elapsed = (session.finishedAt ?? now).timeIntervalSince(session.startedAt)
        let done = counts.completed + counts.failed
        if elapsed > 0, done > 0 {
            let rate = Double(done) / elapsed
            p.ratePerSecond = (rate * 10).rounded() / 10
            if p.active { p.estimatedCompletion = now + Double(counts.pending + counts.processing) / rate }
        }
        return p
    }

    /// Cancels the active session: its pending jobs are cancelled at once, running ones finish, and the session
    /// stays active until they have.
    public func cancel() async throws -> (progress: RegenerationProgress, cancelledJobs: Int) {
        guard let active = try await database.read({ try await RegenerationSessionStore.fetchActive($0) }),
              try await database.transaction({ try await RegenerationSessionStore.requestCancel($0, id: active.id) }) != nil
        else { throw MaintenanceError.noActiveRegeneration }
        let cancelled = try await queue.cancelPending(sessionId: active.id)
        _ = try await finishIfDone(sessionId: active.id)
        return (try await status(), cancelled)
    }

    /// Ends the session when none of its jobs is pending or processing, announcing `…_completed` or
    /// `…_cancelled` exactly once (the conditional UPDATE picks one winner across processes). A cancelled
    /// session's jobs that came back to pending (a retry) are cancelled here too.
    @discardableResult
    func finishIfDone(sessionId: Int64) async throws -> RegenerationSessionRecord? {
        guard let session = try await database.read({ try await RegenerationSessionStore.fetchOne($0, id: sessionId) }),
              session.status == RegenerationStatus.active, session.total >= 0 else { return nil }
        var counts = try await queue.counts(sessionId: sessionId)
        if session.cancelRequested, counts.pending > 0 {
            _ = try await queue.cancelPending(sessionId: sessionId)
            counts = try await queue.counts(sessionId: sessionId)
        }
        guard counts.pending + counts.processing == 0 else { return nil }
        let status = session.cancelRequested ? RegenerationStatus.cancelled : RegenerationStatus.completed
        guard let ended = try await database.transaction({
            try await RegenerationSessionStore.finish($0, id: sessionId, status: status, at: Date())
        }) else { return nil }
        let summary = RegenerationEnded(
            sessionId: sessionId, total: max(ended.total, 0), completed: counts.completed, failed: counts.failed,
            cancelled: counts.cancelled,
            durationSeconds: ((ended.finishedAt ?? Date()).timeIntervalSince(ended.startedAt) * 10).rounded() / 10)
        await events.publish(status == .cancelled ? .regenerationCancelled(summary) : .regenerationCompleted(summary))
        logger.info("regeneration session ended", metadata: ["session_id": "\(sessionId)", "status": "\(status)",
                                                            "completed": "\(counts.completed)", "failed": "\(counts.failed)"])
        return ended
    }
}
