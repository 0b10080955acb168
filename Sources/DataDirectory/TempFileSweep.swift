import Foundation
import Logging
import TimelapserCore

/// Removes temp files left by workers that are gone: at start-up those of this host's dead processes, and when a
/// lease is rescued those of the job's previous owner. Several hosts may share the data directory, so a file
/// whose owner might be alive elsewhere is never touched.
public struct TempFileSweep: Sendable {
    let layout: DataLayout
    let logger: Logger

    public init(layout: DataLayout, logger: Logger) {
        self.layout = layout
        self.logger = logger
    }

    /// Sweeps every variant folder for temp files of this host whose process no longer exists.
    public func sweepDeadLocalOwners() {
        let me = TempOwner.currentWorkerID()
        let host = me.split(separator: "-").dropLast().joined(separator: "-")
        var removed = 0
        for folder in variantFolders() {
            removed += AtomicFile.sweepTemps(in: folder) { owner in
                guard owner.workerID != me else { return true }
                let parts = owner.workerID.split(separator: "-")
                guard parts.count >= 2, parts.dropLast().joined(separator: "-") == host, let pid = Int32(parts.last!) else {
                    return true  // another host's, or not a worker's: assume alive
                }
                return kill(pid, 0) == 0 || errno == EPERM
            }
        }
        if removed > 0 { logger.info("removed stale temp files", metadata: ["count": "\(removed)"]) }
    }

    /// Sweeps every variant folder for temp files of exactly these (owner, job) pairs: the rescued jobs' owners.
    public func sweep(owners: Set<TempOwner>) {
        guard !owners.isEmpty else { return }
        for folder in variantFolders() {
            _ = AtomicFile.sweepTemps(in: folder) { !owners.contains($0) }
        }
    }

    /// Every `thumbnails/` and `smalls/` folder under `cameras/`.
    func variantFolders() -> [String] {
        let cameras = layout.root + "/cameras"
        var folders: [String] = []
        let fm = FileManager.default
        for camera in (try? fm.contentsOfDirectory(atPath: cameras)) ?? [] where camera.hasPrefix("camera-") {
            let cameraPath = cameras + "/" + camera
            for timelapse in (try? fm.contentsOfDirectory(atPath: cameraPath)) ?? [] where timelapse.hasPrefix("timelapse-") {
                for kind in VariantKind.allCases {
                    folders.append(cameraPath + "/" + timelapse + "/" + DataLayout.variantFolderName(kind))
                }
            }
        }
        return folders
    }
}
