import Database
import DataDirectory
import Events
import Foundation
import TimelapserCore

/// Single images (frames): read and delete.
public struct FrameService: Sendable {
    let database: TimelapserDatabase
    let files: FileRemoval
    let events: EventBus

    public init(database: TimelapserDatabase, layout: DataLayout, events: EventBus) {
        self.database = database
        self.files = FileRemoval(layout: layout)
        self.events = events
    }

    public func get(_ id: Int64) async throws -> ImageRecord {
        guard let image = try await database.read({ try await ImageStore.fetchOne($0, id: id) }) else {
            throw CatalogError.imageNotFound(id)
        }
        return image
    }

    /// Deletes the row (counts follow in the same transaction), then the frame and its variants.
    public func delete(_ id: Int64) async throws -> DeletionSummary {
        guard let image = try await database.transaction({ try await ImageStore.delete($0, id: id) }) else {
            throw CatalogError.imageNotFound(id)
        }
        files.removeFile(image.thumbnailPath)
        files.removeFile(image.smallPath)
        files.removeFile(image.filePath)
        await events.publish(.imageDeleted(ImageDeleted(imageId: image.id, timelapseId: image.timelapseId, cameraId: image.cameraId)))
        return DeletionSummary(images: 1, thumbnails: image.thumbnailPath == nil ? 0 : 1, smalls: image.smallPath == nil ? 0 : 1)
    }
}
