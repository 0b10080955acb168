import ArgumentParser
import CameraCapture
import Catalog
import Database
import DataDirectory
import Foundation
import Logging
import TimelapserCore

/// `timelapser import --camera ID DIR|FILE.zip`: ingests existing frames through the same code as captures
/// (corruption detection, reference names, image rows, thumbnail jobs). A folder's frames are taken in
/// modification-time order and dated by it; a ZIP made by `timelapser export` (or the export route) is dated by its
/// `index.csv`, so an export imported again has the same frames at the same instants.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Ingest existing frames from a folder or an export's ZIP.")

    @OptionGroup var options: StorageOptions
    @Option(help: "Camera id.") var camera: Int64
    @Flag(name: .customLong("start-timelapse"), help: "Start a timelapse (dated by the oldest frame) when the camera has none running.")
    var startTimelapse = false
    @Flag(help: "Print a JSON summary instead of text.") var json = false
    @Argument(help: "Folder of JPEG frames, or a ZIP written by timelapser export.") var directory: String

    func run() async throws {
        let configuration = try options.resolved()
        var logger = Logger(label: "timelapser-import")
        logger.logLevel = .error
        let files = try ImportSource.frames(at: directory)
        let composition = try await Composition.make(configuration, logger: logger, role: .tool)
        let summary = try await composition.database.withRunningClient {
            let services = composition.apiServices
            if startTimelapse, let oldest = files.first?.modified,
               (try await services.cameras.get(camera)).activeTimelapseId == nil {
                _ = try await services.timelapses.start(cameraId: camera, name: "Imported", startedAt: oldest)
            }
            var summary = ImportSummary()
            let progress = ProgressBar(quiet: json)
            for (index, file) in files.enumerated() {
                do {
                    let bytes = try file.bytes()
                    _ = try await composition.ingest.ingest(cameraId: camera, bytes: bytes, capturedAt: file.modified)
                    summary.imported += 1
                } catch CatalogError.duplicateFrame {
                    summary.duplicates += 1
                } catch CatalogError.frameRejected(let reason, _, _) {
                    summary.rejected[reason, default: 0] += 1
                } catch let error as CatalogError {
                    switch error {
                    case .cameraNotFound, .noRunningTimelapse: throw error
                    default: summary.rejected["\(error)", default: 0] += 1
                    }
                }
                progress.show(done: index + 1, total: files.count, rate: nil)
            }
            progress.finish()
            return summary
        }
        await composition.database.close()
        if json {
            let object: [String: Any] = ["imported": summary.imported, "duplicates": summary.duplicates, "rejected": summary.rejected]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("imported \(summary.imported), duplicates \(summary.duplicates), rejected \(summary.rejected.values.reduce(0, +))"
                  + (summary.rejected.isEmpty ? "" : " \(summary.rejected.sorted { $0.key < $1.key })"))
        }
    }

    struct ImportSummary: Sendable {
        var imported = 0
        var duplicates = 0
        var rejected: [String: Int] = [:]
    }

}
