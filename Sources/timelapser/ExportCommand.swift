import ArgumentParser
import Database
import Foundation
import Logging
import TimelapseExport
import TimelapserCore

/// `timelapser export --timelapse ID --out FILE.zip`: what `GET /api/timelapses/{id}/export` streams, into a file.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a timelapse's frames to a ZIP archive with index.csv.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Timelapse id.") var timelapse: Int64
    @Option(help: "The ZIP file to write (replaced only once complete).") var out: String
    @Option(help: "Frames captured at or after (ISO 8601).") var from: String?
    @Option(help: "Frames captured at or before (ISO 8601).") var to: String?
    @Option(help: "full (default) or small.") var variant: String = "full"

    func run() async throws {
        guard let variant = ExportVariant(rawValue: variant) else { throw ValidationError("variant must be full or small") }
        let fromDate = try from.map { try Self.date($0, "from") }, toDate = try to.map { try Self.date($0, "to") }
        let configuration = try storage.resolved()
        var logger = Logger(label: "timelapser-export")
        logger.logLevel = .warning
        let database = try await TimelapserDatabase.openMigrated(configuration.database, logger: logger)
        let temp = out + ".partial"
        guard FileManager.default.createFile(atPath: temp, contents: nil), let handle = FileHandle(forWritingAtPath: temp) else {
            throw ValidationError("cannot write \(temp)")
        }
        do {
            let summary = try await database.withRunningClient {
                guard try await database.read({ try await TimelapseStore.fetchOne($0, id: timelapse) }) != nil else {
                    throw ValidationError("no timelapse \(timelapse)")
                }
                return try await TimelapseExporter(database: database, layout: configuration.layout)
                    .export(timelapseId: timelapse, from: fromDate, to: toDate, variant: variant) { try handle.write(contentsOf: $0) }
            }
            try handle.synchronize()
            try handle.close()
            await database.close()
            _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: out), withItemAt: URL(fileURLWithPath: temp))
            print("exported \(summary.frames) frames (\(summary.bytes) bytes) to \(out)")
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temp)
            await database.close()
            throw error
        }
    }

    static func date(_ text: String, _ name: String) throws -> Date {
        guard let date = JSONDate.parse(text) else { throw ValidationError("\(name) must be an ISO 8601 date-time") }
        return date
    }
}
