import Database
import DataDirectory
import Events
import Foundation
import Imaging
import ThumbnailJobs
import TimelapserCore

/// Cameras and the folders they own.
public struct CameraService: Sendable {
    let database: TimelapserDatabase
    let files: FileRemoval
    let rejections: RejectedFrameCounter
    let events: EventBus
    /// Where the variants of a camera whose crop or rotation changed are re-queued (nil: they are not).
    let queue: ThumbnailJobQueue?

    /// - Parameter rejections: the capture scheduler's count of grabbed frames refused by corruption detection.
    /// - Parameter queue: the thumbnail job queue, for regenerating variants when `rotate` or `crop` changes.
    public init(database: TimelapserDatabase, layout: DataLayout, events: EventBus,
                rejections: RejectedFrameCounter = RejectedFrameCounter(), queue: ThumbnailJobQueue? = nil) {
        self.database = database
        self.files = FileRemoval(layout: layout)
        self.events = events
        self.rejections = rejections
        self.queue = queue
    }

    /// Grabbed frames of the camera refused by corruption detection since the server started (never stored).
    public func rejectedFrames(_ id: Int64) -> Int {
        rejections.count(cameraId: id)
    }

    /// The fields a client may set on a camera.
    public struct Draft: Sendable {
        public var name: String?
        public var rtspUrl: String??
        public var captureIntervalSeconds: Int?
        public var generateThumbnails: Bool?
        public var captureWindow: CaptureWindow?
        /// `.some(nil)` clears the camera's own time zone (the `timezone` setting applies again).
        public var timezone: String??
        public var rotate: Int?
        public var crop: CameraCrop??
        /// `.some(nil)` clears the camera's own retention policy (the default in the settings applies again).
        public var retention: RetentionPolicy??
        public init(name: String? = nil, rtspUrl: String?? = nil, captureIntervalSeconds: Int? = nil, generateThumbnails: Bool? = nil,
                    captureWindow: CaptureWindow? = nil, timezone: String?? = nil, rotate: Int? = nil, crop: CameraCrop?? = nil,
                    retention: RetentionPolicy?? = nil) {
            self.retention = retention
            self.name = name
            self.rtspUrl = rtspUrl
            self.captureIntervalSeconds = captureIntervalSeconds
            self.generateThumbnails = generateThumbnails
            self.captureWindow = captureWindow
            self.timezone = timezone
            self.rotate = rotate
            self.crop = crop
        }

        /// Checks the camera-operation fields; the error names the field.
        func validate() throws {
            if case let zone?? = timezone, TimeZone(identifier: zone) == nil {
                throw CatalogError.invalidField(field: "timezone", message: "must be an IANA time zone such as Europe/Paris")
            }
            if let rotate, !CameraRotation.allowed.contains(rotate) {
                throw CatalogError.invalidField(field: "rotate", message: "must be 0, 90, 180 or 270")
            }
            if case let crop?? = crop { try crop.validate() }
        }

        /// Applies the operation fields to a row.
        func apply(to camera: inout CameraRecord) {
            if let captureWindow { camera.captureWindow = captureWindow.storedJSON }
            if let timezone { camera.timezone = timezone }
            if let rotate { camera.rotate = rotate }
            if let crop { camera.crop = crop?.storedJSON }
            if let retention { camera.retention = retention?.storedJSON }
        }
    }

    public func create(_ draft: Draft) async throws -> CameraRecord {
        let name = try Self.validName(draft.name)
        let interval = try Self.validInterval(draft.captureIntervalSeconds ?? 300)
        let url = try Self.validURL(draft.rtspUrl ?? nil)
        try draft.validate()
        return try await database.transaction { db in
            var camera = try await CameraStore.insert(db, name: name, rtspUrl: url, captureIntervalSeconds: interval,
                                                      generateThumbnails: draft.generateThumbnails ?? true, at: Date())
            draft.apply(to: &camera)
            try await CameraStore.update(db, camera)
            return camera
        }
    }

    public func list() async throws -> [CameraRecord] {
        try await database.read { try await CameraStore.fetchAll($0) }
    }

    public func get(_ id: Int64) async throws -> CameraRecord {
        guard let camera = try await database.read({ try await CameraStore.fetchOne($0, id: id) }) else {
            throw CatalogError.cameraNotFound(id)
        }
        return camera
    }

    public func update(_ id: Int64, _ draft: Draft) async throws -> CameraRecord {
        let name = try draft.name.map { try Self.validName($0) }
        let interval = try draft.captureIntervalSeconds.map { try Self.validInterval($0) }
        let url = try draft.rtspUrl.map { try Self.validURL($0) }
        try draft.validate()
        let (camera, transformChanged) = try await database.transaction { db in
            guard var camera = try await CameraStore.fetchOne(db, id: id) else { throw CatalogError.cameraNotFound(id) }
            let before = camera.frameTransform
            if let name { camera.name = name }
            if let interval { camera.captureIntervalSeconds = interval }
            if let url { camera.rtspUrl = url }
            if let generate = draft.generateThumbnails { camera.generateThumbnails = generate }
            draft.apply(to: &camera)
            try await CameraStore.update(db, camera)
            return (camera, camera.frameTransform != before)
        }
        // Variants show the crop and rotation: remake every image's (frames stay as they are).
        if transformChanged, let queue {
            _ = try await queue.enqueueBulk(ImageSelection(cameraId: id), limit: nil, includeSmalls: true, sessionId: nil)
        }
        return camera
    }

    /// Deletes the camera, its timelapses, images and jobs, then its folder.
    public func delete(_ id: Int64) async throws -> DeletionSummary {
        let summary = try await database.transaction { db in
            guard try await CameraStore.fetchOne(db, id: id) != nil else { throw CatalogError.cameraNotFound(id) }
            let timelapses = try await TimelapseStore.fetchAll(db, cameraId: id)
            _ = try await CameraStore.delete(db, id: id)
            return DeletionSummary(
                cameras: 1, timelapses: timelapses.count,
                images: timelapses.reduce(0) { $0 + $1.imageCount },
                thumbnails: timelapses.reduce(0) { $0 + $1.thumbnailCount },
                smalls: timelapses.reduce(0) { $0 + $1.smallCount })
        }
        files.removeTree(DataLayout.cameraDirectory(cameraId: id))
        await events.publish(.cameraDeleted(CameraDeleted(cameraId: id)))
        return summary
    }

    static func validName(_ name: String?) throws -> String {
        let trimmed = (name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else {
            throw CatalogError.invalidField(field: "name", message: "name must be 1 to 200 characters")
        }
        return trimmed
    }

    static func validInterval(_ seconds: Int) throws -> Int {
        guard (1...86_400).contains(seconds) else {
            throw CatalogError.invalidField(field: "capture_interval_seconds", message: "must be from 1 to 86400")
        }
        return seconds
    }

    /// An `rtsp://`, `rtsps://`, `http://` or `https://` URL with a host: what a camera can be grabbed from.
    public static func isCameraURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        return ["rtsp://", "rtsps://", "http://", "https://"].contains(where: { lower.hasPrefix($0) })
            && URLComponents(string: url)?.host?.isEmpty == false
    }

    static func validURL(_ url: String?) throws -> String? {
        guard let url, !url.isEmpty else { return nil }
        guard isCameraURL(url) else {
            throw CatalogError.invalidField(field: "rtsp_url", message: "must be an rtsp:// or http(s):// URL with a host")
        }
        return url
    }
}

/// What a DELETE removed.
public struct DeletionSummary: Sendable, Codable, Equatable {
    public var cameras = 0
    public var timelapses = 0
    public var images = 0
    public var thumbnails = 0
    public var smalls = 0
}
