import Foundation
import Synchronization
import TimelapserCore
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLiteKit
import SQLKit
import ServiceLifecycle

/// The catalogue: one `SQLDatabase` surface over SQLite or PostgreSQL, with reads and transactional writes.
///
/// SQLite allows one writer at a time, so writes go through a single connection in FIFO order instead of
/// contending on the file lock (which would make SQLite sleep in its busy handler); reads use a small pool of
/// WAL readers. PostgreSQL uses `PostgresClient`'s pool for both.
public final class TimelapserDatabase: Sendable {
    public let engine: DatabaseEngine
    let logger: Logger
    private let backend: Backend

    private enum Backend: Sendable {
        case sqlite(writer: ConnectionPool<SQLiteConnection>, readers: ConnectionPool<SQLiteConnection>, all: [SQLiteConnection])
        case postgres(PostgresClient)
    }

    private init(engine: DatabaseEngine, backend: Backend, logger: Logger) {
        self.engine = engine
        self.backend = backend
        self.logger = logger
    }

    /// Opens the database. For PostgreSQL the returned value's ``clientService`` must run (in the
    /// `ServiceGroup`, or ``withRunningClient(_:)``) before queries are made.
    public static func open(_ location: DatabaseLocation, readers: Int = 4, logger: Logger) async throws -> TimelapserDatabase {
        switch location {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            var connections: [SQLiteConnection] = []
            for _ in 0..<(1 + max(1, readers)) {
                let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                connections.append(connection)
                for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=10000",
                               "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL"] {
                    _ = try await connection.query(pragma)
                }
            }
            return TimelapserDatabase(
                engine: .sqlite,
                backend: .sqlite(writer: ConnectionPool([connections[0]]),
                                 readers: ConnectionPool(Array(connections.dropFirst())),
                                 all: connections),
                logger: logger
            )
        case .postgres(let host, let port, let user, let password, let database, let socketPath):
            var configuration: PostgresClient.Configuration
            if let socketPath {
                configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
            } else {
                configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
            }
            configuration.options.maximumConnections = 16
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            return TimelapserDatabase(engine: .postgresql, backend: .postgres(client), logger: logger)
        }
    }

    /// The PostgreSQL connection pool's run loop as a `Service` (nil on SQLite).
    public var clientService: (any Service)? {
        if case .postgres(let client) = backend { return client }
        return nil
    }

    /// Runs `body` while the PostgreSQL client (if any) runs; for commands that are not a `ServiceGroup`.
    public func withRunningClient<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        guard case .postgres(let client) = backend else { return try await body() }
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            let result = try await body()
            return result
        }
    }

    /// Closes SQLite connections (PostgreSQL closes when its service ends).
    public func close() async {
        if case .sqlite(_, _, let all) = backend {
            for connection in all { try? await connection.close() }
        }
    }

    /// Runs read-only work on a connection of its own.
    public func read<R: Sendable>(_ body: @Sendable (DatabaseConnection) async throws -> R) async throws -> R {
        switch backend {
        case .sqlite(_, let readers, _):
            return try await readers.with { try await body(DatabaseConnection($0.sql(queryLogLevel: nil))) }
        case .postgres(let client):
            return try await client.withConnection { try await body(DatabaseConnection($0.sql(queryLogLevel: nil))) }
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<R: Sendable>(_ body: @Sendable (DatabaseConnection) async throws -> R) async throws -> R {
        switch backend {
        case .sqlite(let writer, _, _):
            return try await writer.with { connection in
                try await Self.inTransaction(connection.sql(queryLogLevel: nil), begin: "BEGIN IMMEDIATE", body)
            }
        case .postgres(let client):
            return try await client.withConnection { connection in
                try await Self.inTransaction(connection.sql(queryLogLevel: nil), begin: "BEGIN", body)
            }
        }
    }

    /// Runs writes that are each atomic on their own (one statement, or idempotent steps) without BEGIN/COMMIT:
    /// on SQLite they still go through the single writer connection, in order; this saves two round trips per
    /// call on the queue's hot paths (claim, heartbeat, complete of a no-op, fail, release).
    public func autocommit<R: Sendable>(_ body: @Sendable (DatabaseConnection) async throws -> R) async throws -> R {
        switch backend {
        case .sqlite(let writer, _, _):
            return try await writer.with { try await body(DatabaseConnection($0.sql(queryLogLevel: nil))) }
        case .postgres(let client):
            do {
                return try await client.withConnection { try await body(DatabaseConnection($0.sql(queryLogLevel: nil))) }
            } catch {
                throw DatabaseError.translating(error)
            }
        }
    }

    private static func inTransaction<R: Sendable>(
        _ db: any SQLDatabase, begin: String, _ body: @Sendable (DatabaseConnection) async throws -> R
    ) async throws -> R {
        try await db.raw(SQLQueryString(begin)).run()
        do {
            let result = try await body(DatabaseConnection(db))
            try await db.raw("COMMIT").run()
            return result
        } catch {
            // A cancelled task must still end its transaction, or the pooled connection stays inside it and every
            // later BEGIN fails: the rollback runs in a task of its own, which does not inherit the cancellation.
            await Task { try? await db.raw("ROLLBACK").run() }.value
            throw DatabaseError.translating(error)
        }
    }

    /// Sends `payload` to the listeners of `channel` in other processes: PostgreSQL NOTIFY, or on SQLite a row of
    /// the notification outbox that listeners poll.
    public func notify(channel: String, payload: String) async throws {
        switch backend {
        case .postgres(let client):
            _ = try await client.withConnection { connection in
                try await connection.sql(queryLogLevel: nil)
                    .raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").run()
            }
        case .sqlite:
            try await autocommit { try await NotificationOutbox.append($0, channel: channel, payload: payload, at: Date()) }
        }
    }

    /// How often a SQLite listener looks for new notifications, and how long they are kept.
    static let outboxPollInterval: Duration = .milliseconds(250)
    static let outboxRetention: TimeInterval = 300

    /// Calls `onPayload` for each notification on `channel` sent after the call began, until cancelled: PostgreSQL
    /// LISTEN, or on SQLite a poll of the notification outbox (which it also prunes).
    public func listen(channel: String, onPayload: @Sendable (String) async -> Void) async throws {
        switch backend {
        case .postgres(let client):
            try await client.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    for try await notification in notifications {
                        await onPayload(notification.payload)
                    }
                }
            }
        case .sqlite:
            var last = try await read { try await NotificationOutbox.latestId($0) }
            var pruned = ContinuousClock.now
            while !Task.isCancelled {
                let seen = last
                for (id, payload) in try await read({ try await NotificationOutbox.after($0, channel: channel, id: seen, limit: 500) }) {
                    last = id
                    await onPayload(payload)
                }
                if ContinuousClock.now - pruned > .seconds(60) {
                    pruned = .now
                    try await autocommit { try await NotificationOutbox.prune($0, before: Date() - Self.outboxRetention) }
                }
                try await Task.sleep(for: Self.outboxPollInterval)
            }
        }
    }
}

extension DatabaseError {
    /// Turns a driver's unique-constraint error into ``DatabaseError/conflict(_:)``; anything else passes through.
    static func translating(_ error: any Error) -> any Error {
        if error is DatabaseError { return error }
        if let psql = error as? PSQLError, psql.serverInfo?[.sqlState] == "23505" {
            return DatabaseError.conflict(psql.serverInfo?[.message] ?? "unique constraint")
        }
        if let psql = error as? PSQLError, ["53100", "53000"].contains(psql.serverInfo?[.sqlState]) {
            return DatabaseError.diskFull(psql.serverInfo?[.message] ?? "disk full")
        }
        let text = String(describing: error)
        if text.contains("UNIQUE constraint failed") { return DatabaseError.conflict(text) }
        if text.contains("database or disk is full") || text.contains("SQLITE_FULL") { return DatabaseError.diskFull(text) }
        return error
    }
}

/// A FIFO pool of connections; a caller waits for one to be free.
final class ConnectionPool<Connection: Sendable>: Sendable {
    private let state: PoolState

    init(_ connections: [Connection]) {
        state = PoolState(connections)
    }

    func with<R: Sendable>(_ body: (Connection) async throws -> R) async throws -> R {
        let connection = await state.acquire()
        do {
            let result = try await body(connection)
            await state.release(connection)
            return result
        } catch {
            await state.release(connection)
            throw DatabaseError.translating(error)
        }
    }

    private actor PoolState {
        private var idle: [Connection]
        private var waiters: [CheckedContinuation<Connection, Never>] = []

        init(_ connections: [Connection]) { idle = connections }

        func acquire() async -> Connection {
            if let connection = idle.popLast() { return connection }
            return await withCheckedContinuation { waiters.append($0) }
        }

        func release(_ connection: Connection) {
            if waiters.isEmpty {
                idle.append(connection)
            } else {
                waiters.removeFirst().resume(returning: connection)
            }
        }
    }
}

extension TimelapserDatabase {
    /// Opens the database and brings its schema up to date. PostgreSQL's pool can run only once, so the
    /// migration runs on a pool of its own and a fresh one is returned for the caller's `ServiceGroup`.
    public static func openMigrated(_ location: DatabaseLocation, logger: Logger) async throws -> TimelapserDatabase {
        let database = try await open(location, logger: logger)
        do {
            try await database.withRunningClient { try await SchemaMigrator.migrate(database) }
        } catch {
            // A refused (newer) or failed migration closes what it opened before the error reaches the user.
            await database.close()
            throw error
        }
        guard location.engine == .postgresql else { return database }
        return try await open(location, logger: logger)
    }
}

/// Closes SQLite connections when the process shuts down; list it first in a `ServiceGroup` so it stops last.
public struct DatabaseCloser: Service {
    let database: TimelapserDatabase
    public init(database: TimelapserDatabase) { self.database = database }

    public func run() async throws {
        // Waits for shutdown (or cancellation), then closes.
        try? await gracefulShutdown()
        await database.close()
    }
}
