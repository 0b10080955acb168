import Foundation
import TimelapserCore

/// Where the catalogue lives: an embedded SQLite file, or a PostgreSQL server shared by several processes.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(host: String, port: Int, user: String, password: String?, database: String, socketPath: String?)

    /// Which engine a location names, as `GET /api/health` reports it.
    public var engine: DatabaseEngine {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgresql
        }
    }

    /// Parses `sqlite:///absolute/path`, `sqlite://relative/path`, `postgres://user:pass@host:port/db`
    /// (also `postgresql://`, and `?host=/socket/dir` for a Unix socket).
    public init(url: String) throws(DatabaseError) {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw .invalidDatabaseURL("sqlite URL has no path") }
            self = .sqlite(path: path)
            return
        }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"),
              let components = URLComponents(string: url)
        else { throw .invalidDatabaseURL("expected sqlite:///path or postgres://user@host/db") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let socketDir = components.queryItems?.first(where: { $0.name == "host" })?.value
        let port = components.port ?? 5432
        self = .postgres(
            host: components.host ?? "127.0.0.1",
            port: port,
            user: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? (components.user ?? "postgres") : database,
            socketPath: socketDir.map { "\($0)/.s.PGSQL.\(port)" }
        )
    }
}

/// The two engines Timelapser runs on.
public enum DatabaseEngine: String, Sendable, Codable {
    case sqlite
    case postgresql
}
