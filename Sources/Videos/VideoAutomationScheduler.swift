import Database
import Foundation
import Logging
import ServiceLifecycle
import TimelapserCore

/// Fires render automation. Every trigger has a key (`on_completion`, `daily:2026-11-30`, `milestone:5000`)
/// recorded in the same transaction that queues its render, so a trigger fires once, whatever restarts or other
/// processes do. A render queued while one of the same name runs waits for it (the worker's claim rule).
public struct VideoAutomationScheduler: Service {
    let videos: VideoService
    let interval: Duration
    let logger: Logger

    public init(videos: VideoService, interval: Duration = .seconds(5), logger: Logger) {
        self.videos = videos
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await tick(now: Date())
            } catch {
                logger.error("video automation: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass over every automated timelapse; public so tests can drive time.
    public func tick(now: Date) async throws {
        let timeZone = try await videos.settings.current().timeZone
        for entry in try await videos.database.read({ try await VideoStore.automated($0) }) {
            guard let automation = try? VideoAutomation.decoder.decode(VideoAutomation.self, from: Data(entry.automation.utf8)) else {
                continue
            }
            for firing in Self.due(automation, timelapse: entry.timelapse, now: now, timeZone: timeZone) {
                try await fire(firing, timelapse: entry.timelapse)
            }
        }
    }

    /// A trigger that is due, with the settings its render uses.
    struct Firing: Sendable, Equatable {
        var key: String
        var origin: VideoOrigin
        var settings: RenderSettings
    }

    static func due(_ automation: VideoAutomation, timelapse: TimelapseRecord, now: Date, timeZone: TimeZone) -> [Firing] {
        var due: [Firing] = []
        if let trigger = automation.onCompletion, timelapse.status == .completed {
            due.append(Firing(key: "on_completion", origin: .onCompletion, settings: trigger.settings ?? RenderSettings()))
        }
        if let trigger = automation.milestones, timelapse.imageCount >= trigger.everyFrames {
            let reached = timelapse.imageCount / trigger.everyFrames * trigger.everyFrames
            var settings = trigger.settings ?? RenderSettings()
            settings.name = settings.name ?? "milestone"
            due.append(Firing(key: "milestone:\(reached)", origin: .milestone, settings: settings))
        }
        if let trigger = automation.daily, timelapse.status == .running, let at = ClockTime.minutes(trigger.at) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let today = calendar.startOfDay(for: now)
            if now >= calendar.date(byAdding: .minute, value: at, to: today)!,
               let yesterday = calendar.date(byAdding: .day, value: -1, to: today) {
                var settings = trigger.settings ?? RenderSettings()
                settings.name = settings.name ?? "daily"
                settings.from = JSONDate.string(yesterday)
                settings.to = JSONDate.string(today)
                let day = calendar.dateComponents([.year, .month, .day], from: today)
                let key = String(format: "daily:%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
                due.append(Firing(key: key, origin: .daily, settings: settings))
            }
        }
        return due
    }

    /// Records the trigger and queues its render in one transaction; a trigger whose settings select no frame
    /// (no frames yesterday) is recorded without a render.
    func fire(_ firing: Firing, timelapse: TimelapseRecord) async throws {
        guard let spec = try? firing.settings.validated() else { return }
        let timeZone = try await videos.timeZone(of: timelapse)
        let plan = try await videos.plan(timelapse: timelapse, spec: spec, timeZone: timeZone)
        let video = try await videos.database.transaction { db -> VideoRecord? in
            guard try await VideoStore.recordFire(db, timelapseId: timelapse.id, key: firing.key, at: Date()) else { return nil }
            guard !plan.frames.isEmpty else { return nil }
            let video = try await VideoService.insert(db, timelapse: timelapse, name: spec.name, settings: firing.settings,
                                                      origin: firing.origin)
            try await VideoStore.linkFire(db, timelapseId: timelapse.id, key: firing.key, videoId: video.id)
            return video
        }
        if let video {
            logger.info("video automation fired", metadata: ["timelapse_id": "\(timelapse.id)", "trigger": "\(firing.key)"])
            await videos.announce(video)
        }
    }
}

extension VideoService {
    /// A timelapse's automation (nil when it has none).
    public func automation(timelapseId: Int64) async throws -> VideoAutomation? {
        _ = try await timelapse(timelapseId)
        guard let json = try await database.read({ try await VideoStore.automation($0, timelapseId: timelapseId) }) else { return nil }
        return try VideoAutomation.decoder.decode(VideoAutomation.self, from: Data(json.utf8))
    }

    /// Sets a timelapse's automation (validated; an empty one clears it).
    public func setAutomation(timelapseId: Int64, _ automation: VideoAutomation) async throws -> VideoAutomation {
        try automation.validate()
        _ = try await timelapse(timelapseId)
        let json = automation.isEmpty ? nil : String(decoding: try VideoAutomation.encoder.encode(automation), as: UTF8.self)
        guard try await database.autocommit({ try await VideoStore.setAutomation($0, timelapseId: timelapseId, json: json) }) else {
            throw VideoError.timelapseNotFound(timelapseId)
        }
        return automation
    }
}
