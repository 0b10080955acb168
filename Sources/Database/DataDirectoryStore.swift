import Foundation
import SQLKit

/// SQL of the data-directory guard: the id the data directory's marker must hold (a `maintenance_state` row) and
/// whether the catalogue lists any frame.
public enum DataDirectoryStore {
    /// The `maintenance_state` key of the data directory's id.
    static let idKey = "data_directory_id"

    /// The id the data directory's marker must hold, or nil before the first start.
    public static func storedId(_ db: DatabaseConnection) async throws -> String? {
        try await MaintenanceStore.state(db, key: idKey)?.value
    }

    /// Stores `id` unless an id is stored already (another process starting at the same time may have won), and
    /// returns the id stored now: the winner's, never overwritten.
    public static func storeIdIfAbsent(_ db: DatabaseConnection, id: String, at now: Date) async throws -> String {
        try await MaintenanceStore.setStateIfAbsent(db, key: idKey, value: id, at: now)
    }

    /// Whether any image row exists (one index probe, not a count).
    public static func hasFrames(_ db: DatabaseConnection) async throws -> Bool {
        try await db.raw("SELECT 1 AS one FROM images LIMIT 1").first() != nil
    }

    /// How many image rows exist (only for the message of a refused start: it scans).
    public static func frameCount(_ db: DatabaseConnection) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM images").first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
