import Foundation
import SQLKit
import TimelapserCore

/// One outage of a camera: from its first failed grab of the run to the success that ended it (nil while open).
public struct OutageRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var cameraId: Int64
    public var startedAt: Date
    public var endedAt: Date?
    public var failedGrabs: Int
    public var lastError: String?

    public init(id: Int64, cameraId: Int64, startedAt: Date, endedAt: Date?, failedGrabs: Int, lastError: String?) {
        self.id = id
        self.cameraId = cameraId
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.failedGrabs = failedGrabs
        self.lastError = lastError
    }
}

/// `camera_outages`: at most one open outage per camera (a unique partial index); rows go with their camera by cascade.
public enum OutageStore {
    /// Opens the camera's outage; fails (unique index) when one is open already.
    public static func open(_ db: DatabaseConnection, cameraId: Int64, startedAt: Date, failedGrabs: Int,
                            lastError: String?) async throws -> OutageRecord {
        let row = try await db.raw("""
            INSERT INTO camera_outages (camera_id, started_at, failed_grabs, last_error)
            VALUES (\(bind: cameraId), \(bind: startedAt), \(bind: failedGrabs), \(bind: lastError))
            RETURNING id
            """).first()
        let id = try row!.decode(column: "id", as: Int64.self)
        return OutageRecord(id: id, cameraId: cameraId, startedAt: startedAt, endedAt: nil, failedGrabs: failedGrabs, lastError: lastError)
    }

    /// The camera's open outage, if any.
    public static func openOutage(_ db: DatabaseConnection, cameraId: Int64) async throws -> OutageRecord? {
        try await db.raw("SELECT * FROM camera_outages WHERE camera_id = \(bind: cameraId) AND ended_at IS NULL")
            .first(decoding: OutageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Another failed grab of an open outage.
    public static func recordFailure(_ db: DatabaseConnection, id: Int64, failedGrabs: Int, lastError: String?) async throws {
        try await db.raw("""
            UPDATE camera_outages SET failed_grabs = \(bind: failedGrabs), last_error = \(bind: lastError)
            WHERE id = \(bind: id) AND ended_at IS NULL
            """).run()
    }

    /// Ends the outage at `endedAt`; nil when it was not open.
    public static func close(_ db: DatabaseConnection, id: Int64, at endedAt: Date) async throws -> OutageRecord? {
        try await db.raw("""
            UPDATE camera_outages SET ended_at = \(bind: endedAt) WHERE id = \(bind: id) AND ended_at IS NULL RETURNING *
            """).first(decoding: OutageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The camera's outages that overlap [from, to) (an open one counts as lasting until now), newest first.
    public static func overlapping(_ db: DatabaseConnection, cameraId: Int64, from: Date, to: Date) async throws -> [OutageRecord] {
        try await db.raw("""
            SELECT * FROM camera_outages
            WHERE camera_id = \(bind: cameraId) AND started_at < \(bind: to) AND (ended_at IS NULL OR ended_at > \(bind: from))
            ORDER BY started_at DESC, id DESC
            """).all(decoding: OutageRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The share of [from, to) not covered by `outages`, in percent rounded to one decimal. The range is clipped to
    /// the camera's creation (`notBefore`) and to `now` (no uptime is known of the future); an open outage lasts
    /// until `now`; overlapping outages count once. nil when nothing of the range is left after clipping.
    public static func uptimePercent(_ outages: [OutageRecord], from: Date, to: Date, notBefore: Date, now: Date) -> Double? {
        let start = max(from, notBefore)
        let end = min(to, now)
        guard end > start else { return nil }
        let spans = outages
            .map { (max($0.startedAt, start), min($0.endedAt ?? now, end)) }
            .filter { $0.0 < $0.1 }
            .sorted { $0.0 < $1.0 }
        var down = 0.0
        var current: (Date, Date)?
        for span in spans {
            if let open = current, span.0 <= open.1 {
                current = (open.0, max(open.1, span.1))
            } else {
                if let open = current { down += open.1.timeIntervalSince(open.0) }
                current = span
            }
        }
        if let open = current { down += open.1.timeIntervalSince(open.0) }
        let total = end.timeIntervalSince(start)
        let percent = max(0, min(100, 100 * (total - down) / total))
        return (percent * 10).rounded() / 10
    }
}

/// The outage reads of the HTTP API: a camera's outages over a range and its uptime.
public struct OutageReader: Sendable {
    let database: TimelapserDatabase

    public init(database: TimelapserDatabase) { self.database = database }

    /// The camera's outages overlapping [from, to), newest first.
    public func outages(cameraId: Int64, from: Date, to: Date) async throws -> [OutageRecord] {
        try await database.read { try await OutageStore.overlapping($0, cameraId: cameraId, from: from, to: to) }
    }

    /// The camera's uptime over [from, to) (see ``OutageStore/uptimePercent(_:from:to:notBefore:now:)``) and whether
    /// an outage is open now.
    public func uptime(of camera: CameraRecord, from: Date, to: Date, now: Date = Date()) async throws -> (percent: Double?, outageOpen: Bool) {
        let (spans, open) = try await database.read { db in
            (try await OutageStore.overlapping(db, cameraId: camera.id, from: from, to: to),
             try await OutageStore.openOutage(db, cameraId: camera.id) != nil)
        }
        return (OutageStore.uptimePercent(spans, from: from, to: to, notBefore: camera.createdAt, now: now), open)
    }
}
