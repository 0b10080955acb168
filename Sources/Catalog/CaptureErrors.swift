/// Domain errors of cameras, timelapses, images and ingest; HTTPAPI maps each to a status in one place.
public enum CatalogError: Error, Sendable, Equatable {
    case cameraNotFound(Int64)
    case timelapseNotFound(Int64)
    case imageNotFound(Int64)
    /// The camera already has a running timelapse.
    case timelapseAlreadyRunning(cameraId: Int64, timelapseId: Int64?)
    /// The camera has no running timelapse to add a frame to.
    case noRunningTimelapse(cameraId: Int64)
    case timelapseNotRunning(Int64)
    /// A frame captured in the same second exists (its plain name is given).
    case duplicateFrame(fileName: String)
    case invalidField(field: String, message: String)
    /// The frame's content was refused (corrupt, not a JPEG, too many pixels…).
    case frameRejected(reason: String, message: String, score: Double?)
    case uploadTooLarge(limit: Int)
    /// The data volume is below its free-space reserve, or a write found no room.
    case insufficientStorage(freeBytes: Int64)
}
