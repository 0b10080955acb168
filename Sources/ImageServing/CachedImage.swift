import Database
import DataDirectory
import Foundation
import TimelapserCore

/// The facts of an image row the cascade needs, and what the checks of its files found so far.
struct CachedImage: Sendable {
    var id: Int64
    var cameraId: Int64
    var timelapseId: Int64
    var capturedAt: Date
    var filePath: String
    var thumbnailPath: String?
    var smallPath: String?
    var thumbnailGeneration: Int
    var smallGeneration: Int
    var thumbhash: String?
    var thumbnailWebpSize: Int64?
    var smallWebpSize: Int64?
    var files: [ImageVariant: FileState] = [:]

    init(_ record: ImageRecord) {
        id = record.id
        cameraId = record.cameraId
        timelapseId = record.timelapseId
        capturedAt = record.capturedAt
        filePath = record.filePath
        thumbnailPath = record.thumbnailPath
        smallPath = record.smallPath
        thumbnailGeneration = record.thumbnailGeneration
        smallGeneration = record.smallGeneration
        thumbhash = record.thumbhash
        thumbnailWebpSize = record.thumbnailWebpSize
        smallWebpSize = record.smallWebpSize
    }

    func path(of variant: ImageVariant) -> String? {
        switch variant {
        case .thumbnail: thumbnailPath
        case .small: smallPath
        case .full: filePath
        case .placeholder: nil
        }
    }

    /// The answer when every file the cascade needs has been checked; nil when one still has to be.
    func answer(imageId: Int64, requested: ImageVariant) -> ResolvedImage? {
        for candidate in requested.cascade {
            switch files[candidate] {
            case nil: return nil
            case .present(let file)?: return resolved(requested, served: candidate, file: file)
            default: continue
            }
        }
        return resolved(requested, served: .placeholder, file: nil)
    }

    private func resolved(_ requested: ImageVariant, served: ImageVariant, file: VariantFile?) -> ResolvedImage {
        let generation = switch served {
        case .thumbnail: thumbnailGeneration
        case .small: smallGeneration
        case .full, .placeholder: 0
        }
        return ResolvedImage(imageId: id, cameraId: cameraId, timelapseId: timelapseId, capturedAt: capturedAt,
                             requested: requested, served: served, generation: generation,
                             thumbnailGeneration: thumbnailGeneration, smallGeneration: smallGeneration, file: file,
                             thumbhash: thumbhash,
                             webpSize: served == .thumbnail ? thumbnailWebpSize : served == .small ? smallWebpSize : nil)
    }
}
