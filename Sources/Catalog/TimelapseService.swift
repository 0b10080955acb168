import Database
import DataDirectory
import Events
import Foundation
import ThumbnailJobs
import TimelapserCore

/// Timelapses: start, complete, delete, list frames.
public struct TimelapseService: Sendable {
    let database: TimelapserDatabase
    let files: FileRemoval
    let settings: SettingsService
    let thumbnails: ThumbnailService
    let events: EventBus

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService,
                thumbnails: ThumbnailService, events: EventBus) {
        self.database = database
        self.files = FileRemoval(layout: layout)
        self.settings = settings
        self.thumbnails = thumbnails
        self.events = events
    }

    /// Starts a running timelapse; ``CatalogError/timelapseAlreadyRunning(cameraId:timelapseId:)`` when the
    /// camera has one.
    public func start(cameraId: Int64, name: String?, startedAt: Date?) async throws -> TimelapseRecord {
        let now = Date()
        do {
            return try await database.transaction { db in
                guard try await CameraStore.fetchOne(db, id: cameraId) != nil else { throw CatalogError.cameraNotFound(cameraId) }
                if let running = try await TimelapseStore.fetchRunning(db, cameraId: cameraId) {
                    throw CatalogError.timelapseAlreadyRunning(cameraId: cameraId, timelapseId: running.id)
                }
                let title = name?.trimmingCharacters(in: .whitespacesAndNewlines)
                return try await TimelapseStore.insertRunning(
                    db, cameraId: cameraId,
                    name: (title?.isEmpty ?? true) ? Self.defaultName(now) : String(title!.prefix(200)),
                    startedAt: startedAt ?? now, at: now)
            }
        } catch DatabaseError.conflict {
            // Another request started one between our check and insert: the unique index decided.
            throw CatalogError.timelapseAlreadyRunning(cameraId: cameraId, timelapseId: nil)
        }
    }

    static func defaultName(_ date: Date) -> String {
        "Timelapse " + date.formatted(.iso8601.year().month().day())
    }

    public func get(_ id: Int64) async throws -> TimelapseRecord {
        guard let timelapse = try await database.read({ try await TimelapseStore.fetchOne($0, id: id) }) else {
            throw CatalogError.timelapseNotFound(id)
        }
        return timelapse
    }

    public func list(cameraId: Int64?) async throws -> [TimelapseRecord] {
        try await database.read { try await TimelapseStore.fetchAll($0, cameraId: cameraId) }
    }

    /// A page of frames in capture order.
    public func images(_ id: Int64, limit: Int, offset: Int) async throws -> [ImageRecord] {
        try await database.read { db in
            guard try await TimelapseStore.fetchOne(db, id: id) != nil else { throw CatalogError.timelapseNotFound(id) }
            return try await ImageStore.fetchPage(db, timelapseId: id, limit: limit, offset: offset)
        }
    }

    /// Every frame of a timelapse (id and capture time, in capture order), its camera's capture interval and the
    /// camera's outages over the frames' span (to now while running).
    public func timeline(_ id: Int64) async throws -> TimelapseTimeline {
        try await database.read { db in
            guard let timelapse = try await TimelapseStore.fetchOne(db, id: id) else { throw CatalogError.timelapseNotFound(id) }
            let moments = try await ImageStore.moments(db, timelapseId: id)
            let camera = try await CameraStore.fetchOne(db, id: timelapse.cameraId)
            let from = min(timelapse.startedAt, moments.first?.capturedAt ?? timelapse.startedAt)
            let to = max(timelapse.completedAt ?? Date(), moments.last?.capturedAt ?? from)
            let outages = try await OutageStore.overlapping(db, cameraId: timelapse.cameraId, from: from, to: to)
            return TimelapseTimeline(timelapse: timelapse, captureIntervalSeconds: camera?.captureIntervalSeconds,
                                     moments: moments, outages: outages.reversed())
        }
    }

    /// Completes a running timelapse; purges its smalls when `purge_smalls_on_completion` is on.
    public func complete(_ id: Int64) async throws -> TimelapseRecord {
        let completed = try await database.transaction { db in
            guard let timelapse = try await TimelapseStore.fetchOne(db, id: id) else { throw CatalogError.timelapseNotFound(id) }
            guard let done = try await TimelapseStore.complete(db, id: id, at: Date()) else {
                throw CatalogError.timelapseNotRunning(timelapse.id)
            }
            return done
        }
        var result = completed
        if try await settings.current().purgeSmallsOnCompletion {
            try await thumbnails.purgeSmalls(timelapseId: id)
            result = try await get(id)
        }
        await events.publish(.timelapseCompleted(TimelapseCompleted(timelapseId: id, cameraId: completed.cameraId,
                                                                    imageCount: result.imageCount)))
        return result
    }

    /// Deletes the timelapse, its images and jobs, then its folder.
    public func delete(_ id: Int64) async throws -> DeletionSummary {
        let timelapse = try await database.transaction { db in
            guard let timelapse = try await TimelapseStore.fetchOne(db, id: id) else { throw CatalogError.timelapseNotFound(id) }
            _ = try await TimelapseStore.delete(db, id: id)
            return timelapse
        }
        files.removeTree(DataLayout.timelapseDirectory(cameraId: timelapse.cameraId, timelapseId: id))
        await events.publish(.timelapseDeleted(TimelapseDeleted(timelapseId: id, cameraId: timelapse.cameraId)))
        return DeletionSummary(timelapses: 1, images: timelapse.imageCount,
                               thumbnails: timelapse.thumbnailCount, smalls: timelapse.smallCount)
    }
}

/// A timelapse's every frame at a glance: ``TimelapseService/timeline(_:)``.
public struct TimelapseTimeline: Sendable {
    public let timelapse: TimelapseRecord
    public let captureIntervalSeconds: Int?
    public let moments: [FrameMoment]
    /// Oldest first.
    public let outages: [OutageRecord]
}
