import Foundation
import TimelapserCore

/// Removes files and folders under the data directory, confined to it and never following symbolic links.
public struct FileRemoval: Sendable {
    public let layout: DataLayout

    public init(layout: DataLayout) {
        self.layout = layout
    }

    /// Removes one stored relative path (a link is removed as a link). Missing files are fine.
    @discardableResult
    public func removeFile(_ relative: String?) -> Bool {
        guard let relative, let path = layout.absolutePath(relative) else { return false }
        return unlink(path) == 0
    }

    /// Removes a variant (thumbnail or small) by its stored path, with its WebP companion when there is one.
    public func removeVariant(_ relative: String?) {
        guard let relative else { return }
        removeFile(relative)
        removeFile(VariantFormat.webpPath(forVariantPath: relative))
    }

    /// Removes a folder tree under the data directory; `FileManager` deletes links, not their targets.
    public func removeTree(_ relative: String) {
        guard let path = layout.absolutePath(relative) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
