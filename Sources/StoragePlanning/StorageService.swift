import Database
import DataDirectory
import Foundation
import TimelapserCore

/// Storage usage and its forecast, from the database's aggregates (no walk of `images` or of the disk): the
/// `timelapses` counts and bytes, completed videos, and a 7-day index range per camera for growth.
public struct StorageService: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let settings: SettingsService

    public init(database: TimelapserDatabase, layout: DataLayout, settings: SettingsService) {
        self.database = database
        self.layout = layout
        self.settings = settings
    }

    /// The whole report: volume, totals, each camera with its timelapses, growth and days until full.
    public func report(now: Date = Date()) async throws -> StorageReport {
        let since = now - StorageForecast.window
        let (cameras, rows, captured, rendered, freed, firstStart) = try await database.read { db in
            let cameras = try await CameraStore.fetchAll(db)
            var captured: [Int64: Int64] = [:]
            for camera in cameras { captured[camera.id] = try await StorageStore.capturedBytes(db, cameraId: camera.id, since: since) }
            return (cameras, try await StorageStore.timelapseUsage(db), captured, try await StorageStore.renderedBytes(db, since: since),
                    try await StorageStore.freedBytes(db, since: since), try await StorageStore.firstStart(db))
        }
        let defaultPolicy = try await settings.current().retention
        let volume = DiskUsage.of(layout.root) ?? DiskUsage(freeBytes: 0, totalBytes: 0)
        let forecast = StorageForecast(addedBytes: captured.values.reduce(0, +) + rendered, freedBytes: freed,
                                       historyStart: firstStart, freeBytes: volume.freeBytes, now: now)
        let byCamera = Dictionary(grouping: rows, by: \.cameraId)
        var totals = StorageBreakdown()
        let cameraReports = cameras.map { camera -> CameraStorage in
            let timelapses = (byCamera[camera.id] ?? []).map(Self.timelapse)
            var sum = StorageBreakdown()
            for t in timelapses { sum = sum + Self.breakdown(t) }
            totals = totals + sum
            let own = RetentionPolicy.fromStored(camera.retention)
            let perDay = Int64((Double(captured[camera.id] ?? 0) / forecast.windowDays).rounded())
            return CameraStorage(cameraId: camera.id, name: camera.name, frames: sum.frames, thumbnails: sum.thumbnails, smalls: sum.smalls,
                                 videos: sum.videos, total: sum.total, capturedBytesPerDay: perDay,
                                 retention: own ?? defaultPolicy, retentionIsOwn: own != nil, timelapses: timelapses)
        }
        return StorageReport(volume: VolumeFigures(freeBytes: volume.freeBytes, totalBytes: volume.totalBytes), totals: totals,
                             cameras: cameraReports, growthBytesPerDay: forecast.growthBytesPerDay,
                             daysUntilFull: forecast.daysUntilFull, growthWindowDays: forecast.windowDays, measuredAt: now)
    }

    static func timelapse(_ row: TimelapseStorageRow) -> TimelapseStorage {
        let frames = StorageFigure(bytes: row.frameBytes, files: row.frames)
        let thumbnails = StorageFigure(bytes: row.thumbnailBytes, files: row.thumbnails)
        let smalls = StorageFigure(bytes: row.smallBytes, files: row.smalls)
        let videos = StorageFigure(bytes: row.videoBytes, files: row.videos)
        return TimelapseStorage(timelapseId: row.timelapseId, name: row.name, frames: frames, thumbnails: thumbnails, smalls: smalls,
                                videos: videos, total: frames + thumbnails + smalls + videos)
    }

    static func breakdown(_ t: TimelapseStorage) -> StorageBreakdown {
        var b = StorageBreakdown()
        b.frames = t.frames
        b.thumbnails = t.thumbnails
        b.smalls = t.smalls
        b.videos = t.videos
        b.total = t.total
        return b
    }
}
