import Foundation
import TimelapserCore

/// Bytes and files of one kind of file.
public struct StorageFigure: Codable, Sendable, Equatable {
    public var bytes: Int64
    public var files: Int

    public init(bytes: Int64 = 0, files: Int = 0) {
        self.bytes = bytes
        self.files = files
    }

    static func + (a: StorageFigure, b: StorageFigure) -> StorageFigure {
        StorageFigure(bytes: a.bytes + b.bytes, files: a.files + b.files)
    }
}

/// Storage by kind: frames, their two variants, rendered videos; and their sum.
public struct StorageBreakdown: Codable, Sendable, Equatable {
    public var frames = StorageFigure()
    public var thumbnails = StorageFigure()
    public var smalls = StorageFigure()
    public var videos = StorageFigure()
    public var total = StorageFigure()

    public init() {}

    static func + (a: StorageBreakdown, b: StorageBreakdown) -> StorageBreakdown {
        var sum = StorageBreakdown()
        sum.frames = a.frames + b.frames
        sum.thumbnails = a.thumbnails + b.thumbnails
        sum.smalls = a.smalls + b.smalls
        sum.videos = a.videos + b.videos
        sum.total = a.total + b.total
        return sum
    }

    /// Frames with their variants: what retention can free.
    public var frameBytesWithVariants: Int64 { frames.bytes + thumbnails.bytes + smalls.bytes }
}

/// One timelapse's storage.
public struct TimelapseStorage: Codable, Sendable, Equatable {
    public var timelapseId: Int64
    public var name: String
    public var frames: StorageFigure
    public var thumbnails: StorageFigure
    public var smalls: StorageFigure
    public var videos: StorageFigure
    public var total: StorageFigure
}

/// One camera's storage, its timelapses', and how fast it grew over the last 7 days.
public struct CameraStorage: Codable, Sendable, Equatable {
    public var cameraId: Int64
    public var name: String
    public var frames: StorageFigure
    public var thumbnails: StorageFigure
    public var smalls: StorageFigure
    public var videos: StorageFigure
    public var total: StorageFigure
    /// Frames and variants captured per day over the last 7 days (or since the first timelapse started).
    public var capturedBytesPerDay: Int64
    /// The policy retention applies to this camera (its own, else the default), and whether it is its own.
    public var retention: RetentionPolicy
    public var retentionIsOwn: Bool
    public var timelapses: [TimelapseStorage]
}

/// The data volume.
public struct VolumeFigures: Codable, Sendable, Equatable {
    public var freeBytes: Int64
    public var totalBytes: Int64
}

/// `GET /api/storage`: what is stored where, how fast it grows and when the volume fills.
public struct StorageReport: Codable, Sendable, Equatable {
    public var volume: VolumeFigures
    public var totals: StorageBreakdown
    public var cameras: [CameraStorage]
    /// Net growth per day over the last 7 days: bytes captured and rendered, less bytes retention freed.
    public var growthBytesPerDay: Int64
    /// Free bytes ÷ growth per day; null when storage is not growing.
    @AlwaysPresent public var daysUntilFull: Double?
    /// How many days of history the growth rests on (up to 7).
    public var growthWindowDays: Double
    public var measuredAt: Date
}
