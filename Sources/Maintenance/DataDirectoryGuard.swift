import Database
import DataDirectory
import Foundation
import Logging
import Synchronization
import TimelapserCore

/// Whether the data directory is the one the database describes.
public enum DataDirectoryState: Sendable, Equatable {
    case ok
    /// Empty, unmounted or another instance's: destructive maintenance is refused, with this reason.
    case mismatch(reason: String)
}

/// Guards destructive maintenance (verify, cleanup, repair, delete-all, retention) against a data directory that is
/// not the database's: a marker file in the directory holds an id that the database also stores.
public final class DataDirectoryGuard: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let logger: Logger
    private let state = Mutex<DataDirectoryState>(.ok)

    public init(database: TimelapserDatabase, layout: DataLayout, logger: Logger) {
        self.database = database
        self.layout = layout
        self.logger = logger
    }

    /// At start: writes the marker and stores its id on first start, else compares them; logs a mismatch.
    @discardableResult
    public func establish() async -> DataDirectoryState {
        // TODO: implemented by the data-directory marker work.
        state.withLock { $0 }
    }

    /// The state now (the marker is read again).
    public func check() async -> DataDirectoryState {
        state.withLock { $0 }
    }

    /// Throws ``MaintenanceError/dataDirectoryMismatch(reason:)`` unless the marker matches.
    public func require() async throws {
        if case .mismatch(let reason) = await check() { throw MaintenanceError.dataDirectoryMismatch(reason: reason) }
    }
}
