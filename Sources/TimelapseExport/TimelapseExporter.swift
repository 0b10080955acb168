import Database
import DataDirectory
import Foundation
import Imaging
import TimelapserCore

/// Which file of each frame an export carries.
public enum ExportVariant: String, Sendable, CaseIterable {
    /// The captured frame.
    case full
    /// Its 800×600 small (frames without one are left out).
    case small
}

/// A timelapse's frames as a ZIP archive: stored (JPEGs are not recompressed), in capture order, named as on disk,
/// with `index.csv` (`file_name,captured_at,width,height`) last. Frames are read from the database a page at a time
/// and from disk in 256 KiB pieces, and handed to `send` as they are made, so memory does not grow with the
/// archive (beyond the central directory's ~100 bytes per frame, which ZIP writes at the end).
public struct TimelapseExporter: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    static let pageSize = 500
    static let chunk = 256 * 1024

    public init(database: TimelapserDatabase, layout: DataLayout) {
        self.database = database
        self.layout = layout
    }

    /// What was written.
    public struct Summary: Sendable {
        public var frames: Int
        public var bytes: UInt64
    }

    /// Writes the archive through `send`. The timelapse must exist (the caller checks: an unknown one is a 404).
    public func export(timelapseId: Int64, from: Date?, to: Date?, variant: ExportVariant,
                       send: ([UInt8]) async throws -> Void) async throws -> Summary {
        var zip = ZipStreamWriter()
        var index = "file_name,captured_at,width,height\n"
        var frames = 0
        var after: (capturedAt: Date, id: Int64)?
        var names = Set<String>()
        while true {
            let cursor = after
            let page = try await database.read {
                try await ExportStore.page($0, timelapseId: timelapseId, from: from, to: to, after: cursor, limit: Self.pageSize)
            }
            guard let last = page.last else { break }
            after = (last.capturedAt, last.id)
            for frame in page {
                let relative = variant == .full ? frame.filePath : frame.smallPath
                guard let relative, let path = layout.absolutePath(relative),
                      let handle = FileHandle(forReadingAtPath: path) else { continue }
                defer { try? handle.close() }
                var name = (relative as NSString).lastPathComponent
                if !names.insert(name).inserted { name = "\(frame.id)_\(name)" }
                try await send(zip.begin(name: name, modified: frame.capturedAt))
                var head: [UInt8] = []
                while let data = try handle.read(upToCount: Self.chunk), !data.isEmpty {
                    let bytes = Array(data)
                    if head.isEmpty { head = Array(bytes.prefix(64 << 10)) }
                    zip.content(bytes)
                    try await send(bytes)
                }
                try await send(zip.end())
                let size = variant == .full ? (frame.width, frame.height) : Self.size(ofJPEG: head) ?? (0, 0)
                index += "\(Self.csv(name)),\(JSONDate.string(frame.capturedAt)),\(size.0),\(size.1)\n"
                frames += 1
            }
        }
        try await send(zip.begin(name: "index.csv", modified: Date()))
        let indexBytes = Array(index.utf8)
        zip.content(indexBytes)
        try await send(indexBytes)
        try await send(zip.end())
        try await send(zip.finish())
        return Summary(frames: frames, bytes: zip.bytesWritten)
    }

    static func size(ofJPEG head: [UInt8]) -> (Int, Int)? {
        guard let probe = try? VariantGenerator().probe(data: head) else { return nil }
        return (probe.uprightWidth, probe.uprightHeight)
    }

    static func csv(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
