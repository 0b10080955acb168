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
///
/// The marker is ``DataDirectoryMarker`` (`.timelapser-data-id` at the root, a UUID). With the database's id
/// (`maintenance_state` key `data_directory_id`) and the marker's:
/// - neither, and the database lists no frame: a first start. A fresh id is written to the marker, then stored.
/// - neither, the database lists frames, and `cameras/` has an entry: an upgrade from a version without markers.
///   The directory is adopted (a marker is written, its id stored).
/// - neither, the database lists frames, and `cameras/` is empty or missing: the volume is probably not mounted.
///   Mismatch; nothing is written, so mounting it later and checking again adopts it.
/// - only the marker: a fresh database on existing data (a restore). The marker's id is adopted into the database.
/// - only the database's: mismatch. The directory is empty, unmounted or replaced.
/// - both, different: mismatch. The directory belongs to another instance.
/// - both, equal: ok.
/// A marker that is unreadable or holds no UUID is a mismatch. An existing marker is never overwritten or deleted,
/// and a stored id never replaced. Two processes starting at once agree: the marker is written no-clobber and the id
/// inserted only if absent, and each reads back what won.
public final class DataDirectoryGuard: Sendable {
    let database: TimelapserDatabase
    let layout: DataLayout
    let logger: Logger

    private struct Memory {
        /// The database's id as `establish()` read or stored it; nil until one is known.
        var expectedId: String?
        /// The last state found, so a change is logged once rather than at every check.
        var last: DataDirectoryState?
    }
    private let memory = Mutex(Memory())

    public init(database: TimelapserDatabase, layout: DataLayout, logger: Logger) {
        self.database = database
        self.layout = layout
        self.logger = logger
    }

    /// At start: writes the marker and stores its id on first start, else compares them; logs a mismatch. Needs the
    /// database's client running (on PostgreSQL the pool serves nothing before): a server runs it as
    /// ``check()`` as soon as it listens, a command-line tool on its first ``check()``.
    @discardableResult
    public func establish() async -> DataDirectoryState {
        await reconcileAndRecord()
    }



    private func reconcileAndRecord() async -> DataDirectoryState {
        let state: DataDirectoryState
        do {
            state = try await reconcile()
        } catch {
            // Fail closed: a directory that cannot be checked is not trusted with deletions.
            state = .mismatch(reason: "cannot check the data directory \(layout.root): \(error)")
        }
        // Logged once per change: health checks establish again while no id is known.
        if record(state), case .mismatch(let reason) = state {
            logger.error("data directory mismatch: \(reason); verify, cleanup, repair, delete-all and retention are refused")
        }
        return state
    }

    /// The state now: the marker is read again (one small read) and compared with the database's id, so a volume
    /// unmounted after start is caught. Until an id is known (establish never ran or was refused) this establishes.
    public func check() async -> DataDirectoryState {
        // Until an id is known each caller establishes on its own task (idempotent: the marker is written no-clobber,
        // the id stored only if absent), so no caller ever waits on another's query.
        guard let expected = memory.withLock({ $0.expectedId }) else { return await reconcileAndRecord() }
        let state = compare(expected: expected, marker: DataDirectoryMarker.read(layout))
        if record(state) {
            switch state {
            case .ok: logger.notice("data directory \(layout.root) matches the database again")
            case .mismatch(let reason): logger.error("data directory mismatch: \(reason)")
            }
        }
        return state
    }

    /// Throws ``MaintenanceError/dataDirectoryMismatch(reason:)`` unless the marker matches.
    public func require() async throws {
        try await require(for: "destructive maintenance")
    }

    /// Like ``require()``, naming the refused operation in the log.
    public func require(for operation: String) async throws {
        if case .mismatch(let reason) = await check() {
            logger.warning("\(operation) refused: \(reason)")
            throw MaintenanceError.dataDirectoryMismatch(reason: reason)
        }
    }

    // MARK: the rules

    private func reconcile() async throws -> DataDirectoryState {
        let stored = try await database.read { try await DataDirectoryStore.storedId($0) }
        let marker = DataDirectoryMarker.read(layout)
        if let stored {
            remember(stored)
            return compare(expected: stored, marker: marker)
        }
        switch marker {
        case .unreadable(let reason):
            return .mismatch(reason: reason)
        case .id(let id):
            logger.notice("data directory \(layout.root): adopting its marker id \(id) into the database")
            return try await store(markerId: id)
        case .absent:
            let hasFrames = try await database.read { try await DataDirectoryStore.hasFrames($0) }
            if hasFrames && !DataDirectoryMarker.hasCameraFolders(layout) {
                let count = try await database.read { try await DataDirectoryStore.frameCount($0) }
                return .mismatch(reason: "the data directory \(layout.root) has no marker and no frames, but the database lists "
                                 + "\(count) frames: is the volume mounted?")
            }
            let fresh = UUID().uuidString.lowercased()
            let markerId: String
            if try DataDirectoryMarker.writeNew(fresh, layout: layout) {
                markerId = fresh
                logger.notice("data directory \(layout.root): \(hasFrames ? "adopted (upgrade)" : "first start"), wrote marker id \(fresh)")
            } else if case .id(let written) = DataDirectoryMarker.read(layout) {
                markerId = written  // another process starting at the same time wrote it first
            } else {
                return .mismatch(reason: "the marker \(DataDirectoryMarker.path(layout)) appeared meanwhile but holds no readable id")
            }
            return try await store(markerId: markerId)
        }
    }

    /// Stores the marker's id unless the database has one by now, then compares with what won.
    private func store(markerId: String) async throws -> DataDirectoryState {
        let stored = try await database.transaction { try await DataDirectoryStore.storeIdIfAbsent($0, id: markerId, at: Date()) }
        remember(stored)
        return compare(expected: stored, marker: .id(markerId))
    }

    /// Records the state found; true when it differs from the last one.
    private func record(_ state: DataDirectoryState) -> Bool {
        memory.withLock { (memory: inout Memory) -> Bool in
            defer { memory.last = state }
            return memory.last != state
        }
    }

    private func remember(_ id: String) {
        memory.withLock { $0.expectedId = id.lowercased() }
    }

    private func compare(expected: String, marker: DataDirectoryMarker.Reading) -> DataDirectoryState {
        switch marker {
        case .absent:
            return .mismatch(reason: "the data directory \(layout.root) has no marker (\(DataDirectoryMarker.fileName)): "
                             + "empty, unmounted or replaced; expected id \(expected)")
        case .unreadable(let reason):
            return .mismatch(reason: reason)
        case .id(let id) where id == expected.lowercased():
            return .ok
        case .id(let id):
            return .mismatch(reason: "the data directory \(layout.root) belongs to another instance "
                             + "(marker \(id), database expects \(expected))")
        }
    }
}
