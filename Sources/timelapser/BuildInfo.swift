import Foundation
import TimelapserCore

/// This binary's version and build, for `--version`, `/api/health` and the log's first line.
enum BuildInfo {
    /// The release this source tree is.
    static let version = "0.9.0"

    /// The build configuration and when this executable was built (its file's modification time): which build,
    /// when two binaries carry the same version.
    static let build: String = {
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: executable))?[.modificationDate] as? Date else {
            return configuration
        }
        return "\(configuration), built \(JSONDate.string(modified))"
    }()

    /// `timelapser --version`.
    static var description: String { "\(version) (\(build))" }
}
