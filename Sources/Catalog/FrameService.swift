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
        guard let image = try await delete(ids: [id]).first else { throw CatalogError.imageNotFound(id) }
        return DeletionSummary(images: 1, thumbnails: image.thumbnailPath == nil ? 0 : 1, smalls: image.smallPath == nil ? 0 : 1)
    }

    /// Deletes many frames the way one is deleted: rows (counts follow) in transactions of a few hundred, then each
    /// one's frame and variant files, then `image_deleted` for each — unless `announceEach` is false, for a caller
    /// that announces the whole batch in one event instead (retention: thousands of events would swamp every
    /// client). Ids already gone are skipped. Returns the rows deleted.
    public func delete(ids: [Int64], announceEach: Bool = true) async throws -> [ImageRecord] {
        var deleted: [ImageRecord] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)]
            let rows = try await database.transaction { try await ImageStore.delete($0, ids: Array(chunk)) }
            for image in rows {
                files.removeVariant(image.thumbnailPath)
                files.removeVariant(image.smallPath)
                files.removeFile(image.filePath)
                guard announceEach else { continue }
                await events.publish(.imageDeleted(ImageDeleted(imageId: image.id, timelapseId: image.timelapseId, cameraId: image.cameraId)))
            }
            deleted += rows
        }
        return deleted
    }
}
