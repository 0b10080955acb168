import Foundation

/// What retention removes (or, in a preview, would remove) from one camera: frames with their variants, and
/// rendered videos past `video_retention_days`. `oldest`/`newest` span the frames concerned (null when none).
public struct RetentionCameraFigures: Codable, Sendable, Equatable {
    public var cameraId: Int64
    public var framesToDelete: Int
    public var bytesToFree: Int64
    @AlwaysPresent public var oldest: Date?
    @AlwaysPresent public var newest: Date?
    public var videosToDelete: Int
    public var videoBytesToFree: Int64

    public init(cameraId: Int64, framesToDelete: Int = 0, bytesToFree: Int64 = 0, oldest: Date? = nil, newest: Date? = nil,
                videosToDelete: Int = 0, videoBytesToFree: Int64 = 0) {
        self.cameraId = cameraId
        self.framesToDelete = framesToDelete
        self.bytesToFree = bytesToFree
        self.oldest = oldest
        self.newest = newest
        self.videosToDelete = videosToDelete
        self.videoBytesToFree = videoBytesToFree
    }
}

/// A retention run deleted what its figures say (`retention_applied`): per camera, and in total.
public struct RetentionApplied: Codable, Sendable, Equatable {
    public var cameras: [RetentionCameraFigures]
    public var framesDeleted: Int
    public var bytesFreed: Int64
    public var videosDeleted: Int

    public init(cameras: [RetentionCameraFigures]) {
        self.cameras = cameras
        framesDeleted = cameras.reduce(0) { $0 + $1.framesToDelete }
        bytesFreed = cameras.reduce(0) { $0 + $1.bytesToFree + $1.videoBytesToFree }
        videosDeleted = cameras.reduce(0) { $0 + $1.videosToDelete }
    }
}
