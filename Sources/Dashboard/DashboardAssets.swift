import Foundation

/// The dashboard's static files (HTML, CSS, JavaScript), shipped as resources of the server. No build step.
public struct DashboardAssets: Sendable {
    /// Where the files are read from: the bundled resources, or a folder given for development
    /// (`TIMELAPSER_DASHBOARD_DIR`), so the page can be edited without rebuilding.
    public let directory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let override = environment["TIMELAPSER_DASHBOARD_DIR"], !override.isEmpty {
            directory = override
        } else {
            directory = Bundle.module.url(forResource: "index", withExtension: "html", subdirectory: "Resources")?
                .deletingLastPathComponent().path ?? Bundle.module.bundlePath + "/Resources"
        }
    }

    /// An asset by its file name (`index.html`, `app.js`, …): bytes and media type; nil for anything else.
    public func asset(named name: String) -> (bytes: Data, contentType: String)? {
        guard let type = Self.contentTypes[(name as NSString).pathExtension],
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }), !name.hasPrefix("."),
              let data = FileManager.default.contents(atPath: directory + "/" + name)
        else { return nil }
        return (data, type)
    }

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "ico": "image/x-icon", "png": "image/png", "webmanifest": "application/manifest+json",
    ]
}
