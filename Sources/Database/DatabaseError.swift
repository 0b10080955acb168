/// Failures of the storage layer that callers may want to tell apart.
public enum DatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidDatabaseURL(String)
    /// A unique constraint refused the write (for example a second running timelapse, or a duplicate frame).
    case conflict(String)
    case notFound(String)
    case migrationFailed(String)
    /// The database could not write for lack of space (SQLite's SQLITE_FULL, PostgreSQL's disk_full).
    case diskFull(String)

    public var description: String {
        switch self {
        case .invalidDatabaseURL(let m): "invalid database URL: \(m)"
        case .conflict(let m): "conflict: \(m)"
        case .notFound(let m): "not found: \(m)"
        case .migrationFailed(let m): "migration failed: \(m)"
        case .diskFull(let m): "database disk full: \(m)"
        }
    }
}
