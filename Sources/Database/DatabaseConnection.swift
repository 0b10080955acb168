import Logging
import NIOCore
import SQLKit

/// A connection lent for the length of a ``TimelapserDatabase/read(_:)``, ``TimelapserDatabase/transaction(_:)``
/// or ``TimelapserDatabase/autocommit(_:)`` block.
///
/// Other modules only pass it on to the stores of this module: they never see SQL. Inside this module it is
/// an `SQLDatabase`, so the stores build their statements on it directly.
public struct DatabaseConnection: Sendable {
    let sql: any SQLDatabase

    init(_ sql: any SQLDatabase) { self.sql = sql }
}

extension DatabaseConnection: SQLDatabase {
    public var logger: Logger { sql.logger }
    public var eventLoop: any EventLoop { sql.eventLoop }
    public var version: (any SQLDatabaseReportedVersion)? { sql.version }
    public var dialect: any SQLDialect { sql.dialect }
    public var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        sql.execute(sql: query, onRow)
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await sql.execute(sql: query, onRow)
    }

    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await sql.withSession(closure)
    }
}
