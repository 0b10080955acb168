import SQLKit
import TimelapserCore

/// Which images a bulk operation (bulk enqueue, counting) covers; turned into SQL here and nowhere else.
public struct ImageSelection: Sendable, Equatable {
    /// Restricts to one timelapse (nil: every timelapse).
    public var timelapseId: Int64?
    /// Restricts to one camera (nil: every camera).
    public var cameraId: Int64?
    /// Restricts to images missing one of these variants (empty: no restriction).
    public var missingAny: Set<VariantKind>
    /// Restricts to these images (nil: no restriction).
    public var imageIds: [Int64]?
    /// Leaves these images out.
    public var excludingIds: [Int64]

    public init(timelapseId: Int64? = nil, cameraId: Int64? = nil, missingAny: Set<VariantKind> = [],
                imageIds: [Int64]? = nil, excludingIds: [Int64] = []) {
        self.timelapseId = timelapseId
        self.cameraId = cameraId
        self.missingAny = missingAny
        self.imageIds = imageIds
        self.excludingIds = excludingIds
    }

    /// Every image.
    public static let all = ImageSelection()

    /// A WHERE condition over `images i`.
    var condition: SQLQueryString {
        var parts: [SQLQueryString] = ["1 = 1"]
        if let timelapseId { parts.append("i.timelapse_id = \(bind: timelapseId)") }
        if let cameraId { parts.append("i.camera_id = \(bind: cameraId)") }
        if let imageIds {
            parts.append(imageIds.isEmpty ? "1 = 0" : "i.id IN (" + imageIds.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + ")")
        }
        if !excludingIds.isEmpty {
            parts.append("i.id NOT IN (" + excludingIds.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + ")")
        }
        if !missingAny.isEmpty {
            let missing: [SQLQueryString] = VariantKind.allCases.filter(missingAny.contains).map {
                "i.\(unsafeRaw: $0.pathColumn) IS NULL"
            }
            parts.append("(" + missing.joined(separator: " OR ") + ")")
        }
        return parts.joined(separator: " AND ")
    }
}
