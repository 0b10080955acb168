import Catalog
import Database
import Foundation
import Imaging
import Synchronization
import TimelapserCore

/// What a camera test found: a frame's size and how long the grab took, or why there was none.
public struct CameraTestResult: Sendable, Equatable {
    public var ok: Bool
    public var width: Int?
    public var height: Int?
    public var bytes: Int?
    public var elapsedMs: Int
    /// Credentials masked.
    public var error: String?
    /// Token of the grabbed frame in ``CameraPreviews`` (a few minutes).
    public var previewToken: String?
}

/// Grabs on demand: "capture now" (through the normal ingest, like an upload) and "test this camera/URL" (grab
/// once, store nothing but a short-lived preview).
public struct CameraTester: Sendable {
    let database: TimelapserDatabase
    let ingest: FrameIngest
    let grabber: FrameGrabber
    public let previews: CameraPreviews

    public init(database: TimelapserDatabase, ingest: FrameIngest, grabber: FrameGrabber = FrameGrabber(),
                previews: CameraPreviews = CameraPreviews()) {
        self.database = database
        self.ingest = ingest
        self.grabber = grabber
        self.previews = previews
    }

    /// A test answers within this even when the camera never does (a refused HTTP connection is retried until it).
    static let timeout = Duration.seconds(8)

    /// Grabs a frame from the camera's URL now and ingests it into its running timelapse. Throws
    /// ``CatalogError`` (no camera, no running timelapse, frame refused) or ``GrabFailure``.
    public func captureNow(cameraId: Int64) async throws -> IngestedFrame {
        guard let camera = try await database.read({ try await CameraStore.fetchOne($0, id: cameraId) }) else {
            throw CatalogError.cameraNotFound(cameraId)
        }
        guard let url = camera.rtspUrl, !url.isEmpty else {
            throw CatalogError.invalidField(field: "rtsp_url", message: "the camera has no URL to capture from")
        }
        guard camera.activeTimelapseId != nil else { throw CatalogError.noRunningTimelapse(cameraId: cameraId) }
        let capturedAt = Date()
        let bytes = try await grabber.grab(url, limit: try await ingest.uploadLimit(), timeout: Self.timeout)
        return try await ingest.ingest(cameraId: cameraId, bytes: bytes, capturedAt: capturedAt)
    }

    /// Grabs once from the saved camera's URL.
    public func test(cameraId: Int64) async throws -> CameraTestResult {
        guard let camera = try await database.read({ try await CameraStore.fetchOne($0, id: cameraId) }) else {
            throw CatalogError.cameraNotFound(cameraId)
        }
        guard let url = camera.rtspUrl, !url.isEmpty else {
            throw CatalogError.invalidField(field: "rtsp_url", message: "the camera has no URL to test")
        }
        return await test(url: url)
    }

    /// Grabs once from `url` (not saved anywhere) and reads the frame's header.
    public func test(url: String) async -> CameraTestResult {
        let started = ContinuousClock.now
        func elapsed() -> Int { Int(started.duration(to: .now).timeInterval * 1000) }
        do {
            let bytes = try await grabber.grab(url, limit: try await ingest.uploadLimit(), timeout: Self.timeout)
            let probe = try VariantGenerator().probe(data: bytes)
            return CameraTestResult(ok: true, width: probe.uprightWidth, height: probe.uprightHeight, bytes: bytes.count,
                                    elapsedMs: elapsed(), error: nil, previewToken: previews.store(bytes))
        } catch let error as ImagingError {
            return CameraTestResult(ok: false, elapsedMs: elapsed(), error: "not a usable JPEG: \(error)")
        } catch {
            return CameraTestResult(ok: false, elapsedMs: elapsed(), error: CredentialMask.redact("\(error)", secretsOf: url))
        }
    }
}

/// Frames of camera tests, kept in memory for a few minutes under an unguessable token (at most 16).
public final class CameraPreviews: Sendable {
    public static let lifetime: TimeInterval = 300
    static let capacity = 16
    private let entries = Mutex<[String: (bytes: [UInt8], expires: Date)]>([:])

    public init() {}

    func store(_ bytes: [UInt8]) -> String {
        let token = UUID().uuidString.lowercased()
        let now = Date()
        entries.withLock { entries in
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.expires < $1.value.expires })?.key {
                entries[oldest] = nil
            }
            entries[token] = (bytes, now.addingTimeInterval(Self.lifetime))
        }
        return token
    }

    /// The preview's JPEG while it lives.
    public func bytes(_ token: String) -> [UInt8]? {
        entries.withLock { entries in
            guard let entry = entries[token], entry.expires > Date() else { return nil }
            return entry.bytes
        }
    }
}
