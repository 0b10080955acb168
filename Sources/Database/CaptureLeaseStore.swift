import Foundation
import SQLKit
import TimelapserCore

/// One capturer per camera across processes: the capture lease in the `cameras` row (`capture_owner`,
/// `capture_lease_until`) and the slot claim (`last_slot_at`). A slot is claimed by the lease's owner before the
/// grab, and only when it is later than the last claimed one, so no slot is ever captured twice, whoever owns it.
public enum CaptureLeaseStore {
    /// Takes the camera's lease when it is free, expired or already `owner`'s, and extends it to `until`.
    /// Returns whether `owner` holds it now.
    public static func acquire(_ db: DatabaseConnection, cameraId: Int64, owner: String, now: Date, until: Date) async throws -> Bool {
        try await db.raw("""
            UPDATE cameras SET capture_owner = \(bind: owner), capture_lease_until = \(bind: until)
            WHERE id = \(bind: cameraId) AND (capture_owner IS NULL OR capture_owner = \(bind: owner)
                OR capture_lease_until IS NULL OR capture_lease_until < \(bind: now))
            RETURNING id
            """).first() != nil
    }

    /// Claims `slot` for a grab: true only for the lease's owner and a slot later than every claimed one.
    public static func claimSlot(_ db: DatabaseConnection, cameraId: Int64, owner: String, slot: Date) async throws -> Bool {
        try await db.raw("""
            UPDATE cameras SET last_slot_at = \(bind: slot)
            WHERE id = \(bind: cameraId) AND capture_owner = \(bind: owner)
                AND (last_slot_at IS NULL OR last_slot_at < \(bind: slot))
            RETURNING id
            """).first() != nil
    }

    /// Gives up every lease `owner` holds (a graceful shutdown), so another process takes over at once.
    public static func releaseAll(_ db: DatabaseConnection, owner: String) async throws {
        try await db.raw("""
            UPDATE cameras SET capture_owner = NULL, capture_lease_until = NULL WHERE capture_owner = \(bind: owner)
            """).run()
    }
}

extension CameraRecord {
    /// The camera's own time zone, else `fallback` (the `timezone` setting).
    public func timeZone(fallback: TimeZone) -> TimeZone {
        timezone.flatMap(TimeZone.init(identifier:)) ?? fallback
    }
}
