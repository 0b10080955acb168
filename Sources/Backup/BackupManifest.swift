import Database
import Foundation
import TimelapserCore

/// `manifest.json` of a backup: what it holds and how to check it.
public struct BackupManifest: Codable, Sendable {
    /// One copied file: where it was, its size and SHA-256 (hex). `missing`: the database snapshot names it but the
    /// file was gone when it was copied (deleted meanwhile); a restore drops its row.
    public struct Entry: Codable, Sendable {
        public var file: BackupFile
        public var size: Int64
        public var sha256: String
        public var missing: Bool
    }

    public static let fileName = "manifest.json"
    /// The folder inside the backup that mirrors the data directory.
    public static let dataFolder = "data"

    public var format = 1
    public var createdAt: Date
    public var timelapserVersion: String
    public var engine: DatabaseEngine
    /// `timelapser.sqlite`, or `timelapser.pgdump` (pg_dump's custom format).
    public var databaseFile: String
    public var withVariants: Bool
    public var entries: [Entry]

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    static func read(from folder: String) throws -> BackupManifest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: folder + "/" + fileName) else {
            throw BackupError("\(folder) is not a Timelapser backup (no \(fileName))")
        }
        return try decoder.decode(BackupManifest.self, from: data)
    }
}

/// Why a backup, verify or restore could not be done; the message says what to do.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
