import Foundation
import TimelapserCore
import SQLKit

/// Raw key/value persistence for settings; typing and validation live with the settings rules.
public enum SettingsStore {
    /// Every stored key with its JSON-encoded value.
    public static func fetchAll(_ db: DatabaseConnection) async throws -> [String: String] {
        var values: [String: String] = [:]
        for row in try await db.raw("SELECT key, value FROM settings").all() {
            values[try row.decode(column: "key", as: String.self)] = try row.decode(column: "value", as: String.self)
        }
        return values
    }

    public static func upsert(_ db: DatabaseConnection, _ values: [String: String], at now: Date) async throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try await db.raw("""
                INSERT INTO settings (key, value, updated_at) VALUES (\(bind: key), \(bind: value), \(bind: now))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """).run()
        }
    }
}
