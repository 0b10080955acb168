import Foundation
import TimelapserCore

/// The write of an accepted frame: its row and, when wanted, its thumbnail job, in the caller's transaction.
public enum CaptureStore {
    /// What the write stored.
    public struct StoredFrame: Sendable {
        public var image: ImageRecord
        /// nil when no job was wanted, or when queuing it failed (`jobError` says why).
        public var jobId: Int64?
        public var jobError: String?
    }

    /// Inserts the frame's row (counts follow) and queues its job under a savepoint: a failed job insert never
    /// loses the frame, it is reported in ``StoredFrame/jobError`` instead. Workers of other processes are
    /// notified at commit. A frame of the same second in the timelapse is a ``DatabaseError/conflict(_:)``;
    /// the check and the insert are serialised per timelapse (SQLite's one writer; a transaction-scoped advisory
    /// lock on PostgreSQL), so two uploads of one instant never both land.
    public static func insertFrame(
        _ db: DatabaseConnection, timelapseId: Int64, cameraId: Int64, filePath: String, capturedAt: Date,
        dayNumber: Int, fileSize: Int64, width: Int, height: Int, job: JobRequest?, at now: Date
    ) async throws -> StoredFrame {
        try await TimelapseLock.acquire(db, timelapseId: timelapseId)
        if try await ImageStore.hasFrame(db, timelapseId: timelapseId, capturedInSecondOf: capturedAt) {
            throw DatabaseError.conflict("a frame captured in the same second already exists")
        }
        let image = try await ImageStore.insert(
            db, timelapseId: timelapseId, cameraId: cameraId, filePath: filePath, capturedAt: capturedAt,
            dayNumber: dayNumber, fileSize: fileSize, width: width, height: height, at: now)
        guard let job else { return StoredFrame(image: image, jobId: nil, jobError: nil) }
        do {
            let jobId = try await Savepoint.attempt(db, name: "enqueue_job") {
                let id = try await JobStore.enqueue(db, imageId: image.id, job, at: now)
                try await JobStore.notifyWorkers(db)
                return id
            }
            return StoredFrame(image: image, jobId: jobId, jobError: nil)
        } catch {
            return StoredFrame(image: image, jobId: nil, jobError: "\(error)")
        }
    }
}
