import Database
import Foundation
import Logging
import Synchronization

/// Every write, who made it, when and from where: `GET /api/audit`. Entries older than the `audit_retention_days`
/// setting are pruned as new ones arrive (at most once an hour).
public struct AuditLog: Sendable {
    let database: TimelapserDatabase
    let logger: Logger
    private let pruning = PruneClock()

    public init(database: TimelapserDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Records a write; a failure to record is logged, never fails the request it describes.
    public func record(userId: Int64?, username: String?, method: String, path: String, status: Int, address: String?,
                       keepDays: Int, now: Date = Date()) async {
        do {
            try await database.autocommit { db in
                try await AccessStore.insertAudit(db, userId: userId, username: username, method: method, path: path, status: status,
                                                  address: address, at: now)
            }
            if pruning.isDue(now) {
                try await database.autocommit { try await AccessStore.pruneAudit($0, before: now - Double(keepDays) * 86_400) }
            }
        } catch {
            logger.error("audit log: could not record \(method) \(path): \(error)")
        }
    }

    public func entries(from: Date?, to: Date?, username: String?, limit: Int) async throws -> [AuditRecord] {
        try await database.read { try await AccessStore.audit($0, from: from, to: to, username: username, limit: limit) }
    }
}

/// When this process last pruned the audit log: at most once an hour.
final class PruneClock: Sendable {
    private let last = Mutex<Date?>(nil)

    /// Whether a prune is due at `now` (and, if so, records it).
    func isDue(_ now: Date) -> Bool {
        last.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= 3600 }) ?? true else { return false }
            last = now
            return true
        }
    }
}
