import Database
import DataDirectory
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TestSupport
import TimelapserCore

/// Frames seeded straight into the database and the data directory (rows and files), so a test can hold
/// months of history without capturing it.
struct SeededCatalogue {
    let layout: DataLayout
    /// One real JPEG, written as every frame; thumbnails and smalls are prefixes of it (nothing decodes them here).
    let frame = TestFrames.scene(width: 160, height: 120)
    var thumbnailSize: Int { 700 }
    var smallSize: Int { 1500 }

    /// A camera with a timelapse started at `start`, and a frame at each of `instants`, every `variantsEvery`-th with
    /// both variants. Files are hard links of one written file each (months of frames in seconds).
    func seed(_ db: DatabaseConnection, name: String, start: Date, instants: [Date], variantsEvery: Int = 1) async throws
        -> (camera: CameraRecord, timelapse: TimelapseRecord, images: [ImageRecord]) {
        let camera = try await CameraStore.insert(db, name: name, rtspUrl: nil, captureIntervalSeconds: 300, generateThumbnails: true, at: start)
        let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: name, startedAt: start, at: start)
        let frames = DataLayout.framesDirectory(cameraId: camera.id, timelapseId: timelapse.id)
        for kind in ["frames", "thumbnails", "smalls"] {
            try FileManager.default.createDirectory(
                atPath: layout.root + "/" + DataLayout.timelapseDirectory(cameraId: camera.id, timelapseId: timelapse.id) + "/" + kind,
                withIntermediateDirectories: true)
        }
        let sources = try [frame, Array(frame.prefix(thumbnailSize)), Array(frame.prefix(smallSize))].map { bytes in
            let path = layout.root + "/seed-\(UUID().uuidString).jpg"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        defer { for source in sources { unlink(source) } }
        var images: [ImageRecord] = []
        for (index, instant) in instants.enumerated() {
            let day = Int(instant.timeIntervalSince(start) / 86_400) + 1
            let name = DataLayout.frameName(timelapseId: timelapse.id, dayNumber: day, clock: DataLayout.clock(instant, timeZone: .gmt))
            let path = frames + "/" + name
            guard link(sources[0], layout.root + "/" + path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            let image = try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id, filePath: path, capturedAt: instant,
                                                    dayNumber: day, fileSize: Int64(frame.count), width: 160, height: 120, at: instant)
            guard index % variantsEvery == 0 else {
                images.append(image)
                continue
            }
            var changes: [(kind: VariantKind, new: StoredVariant?)] = []
            for (kind, size, source) in [(VariantKind.thumbnail, thumbnailSize, sources[1]), (.small, smallSize, sources[2])] {
                let variant = DataLayout.variantPath(forFramePath: path, kind: kind)!
                guard link(source, layout.root + "/" + variant) == 0 else { throw CocoaError(.fileWriteUnknown) }
                changes.append((kind, StoredVariant(path: variant, size: Int64(size))))
            }
            images.append(try await ImageStore.applyVariants(db, imageId: image.id, changes)!)
        }
        return (camera, timelapse, images)
    }

    /// What a camera's folder holds on disk, by kind: (bytes, files), from `lstat` of every regular file.
    func onDisk(cameraId: Int64) -> [String: (bytes: Int64, files: Int)] {
        var figures: [String: (bytes: Int64, files: Int)] = ["frames": (0, 0), "thumbnails": (0, 0), "smalls": (0, 0), "videos": (0, 0)]
        let root = layout.root + "/" + DataLayout.cameraDirectory(cameraId: cameraId)
        for timelapse in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for kind in figures.keys {
                let folder = root + "/" + timelapse + "/" + kind
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                    if kind == "videos" && !name.hasSuffix(".mp4") { continue }
                    var st = stat()
                    guard lstat(folder + "/" + name, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
                    figures[kind]!.bytes += Int64(st.st_size)
                    figures[kind]!.files += 1
                }
            }
        }
        return figures
    }
}

@Suite("Storage you can plan: usage, forecast and retention that thins", .serialized)
struct StoragePlanningTests {
    static func json(_ object: [String: Any]) -> ByteBuffer { ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object)) }

    static func withServer(_ fixture: TestDatabase, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildTestApplication(timelapserConfiguration(fixture))
        try await app.test(.live) { client in await afterShutdown { try await body(client) } }.get()
    }

    static func camera(_ report: [String: Any], _ id: Int64) -> [String: Any]? {
        (report["cameras"] as? [[String: Any]])?.first { ($0["camera_id"] as? Int).map(Int64.init) == id }
    }

    /// The report's figures of a camera equal `du` and a file count of its folder.
    static func expectMatchesDisk(_ report: [String: Any], _ seeded: SeededCatalogue, cameraId: Int64,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        let camera = Self.camera(report, cameraId) ?? [:]
        for (kind, disk) in seeded.onDisk(cameraId: cameraId) {
            let figure = camera[kind] as? [String: Any] ?? [:]
            #expect(figure["bytes"] as? Int == Int(disk.bytes), "\(kind) bytes of camera \(cameraId)", sourceLocation: sourceLocation)
            #expect(figure["files"] as? Int == disk.files, "\(kind) files of camera \(cameraId)", sourceLocation: sourceLocation)
        }
    }

    @Test("storage figures equal the disk, and the forecast follows a 7-day history", arguments: TestEngines.all)
    func usageAndForecast(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        let seeded = SeededCatalogue(layout: fixture.layout)
        let now = Date()
        // 7 days at one frame an hour, and an older week that is not part of the growth window.
        let recent = (0..<(7 * 24)).map { now - Double($0) * 3600 - 1800 }
        let older = (0..<(7 * 24)).map { now - 8 * 86_400 - Double($0) * 3600 }
        let (camera, _, _) = try await fixture.database.withRunningClient {
            try await fixture.database.transaction { db in
                try await seeded.seed(db, name: "garden", start: now - 20 * 86_400, instants: (older + recent).sorted())
            }
        }
        await fixture.database.close()
        try await Self.withServer(fixture) { client in
            let response = try await client.execute(uri: "/api/storage", method: .get)
            #expect(response.status == .ok)
            let report = response.data
            Self.expectMatchesDisk(report, seeded, cameraId: camera.id)
            let perFrame = seeded.frame.count + seeded.thumbnailSize + seeded.smallSize
            #expect(report["growth_bytes_per_day"] as? Int == recent.count * perFrame / 7, "a week of captures over 7 days")
            let volume = try #require(report["volume"] as? [String: Any])
            let free = try #require(volume["free_bytes"] as? Int)
            let days = try #require(VideoTestSupport.number(report["days_until_full"]))
            #expect(abs(days - Double(free) / Double(recent.count * perFrame / 7)) < 0.01)
            let totals = try #require(report["totals"] as? [String: Any])
            #expect((totals["frames"] as? [String: Any])?["files"] as? Int == older.count + recent.count)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let frameFiles = metrics.split(separator: "\n").first {
                $0.hasPrefix("timelapser_storage_files{") && $0.contains("camera_id=\"\(camera.id)\"") && $0.contains("kind=\"frames\"")
            }
            // Estimates before bulk work: sizes from the variants stored now, nothing queued.
            let images = older.count + recent.count
            let estimate = try await client.execute(uri: "/api/thumbnails/regenerate-all?dry_run=true", method: .post,
                                                    body: Self.json(["force": true]))
            #expect(estimate.status == .ok)
            #expect(estimate.data["jobs_to_queue"] as? Int == images)
            #expect(estimate.data["estimated_bytes"] as? Int == images * (seeded.thumbnailSize + seeded.smallSize))
            #expect(estimate.data["basis"] as? String == "default", "no job has run yet: the time per job is a default")
            #expect(VideoTestSupport.number(estimate.data["estimated_seconds"]) ?? 0 > 0)
            let timelapseId = try #require((Self.camera(report, camera.id)?["timelapses"] as? [[String: Any]])?.first?["timelapse_id"] as? Int)
            let generate = try await client.execute(uri: "/api/timelapses/\(timelapseId)/thumbnails/generate?dry_run=true", method: .post,
                                                    body: Self.json(["force_regenerate": false]))
            #expect(generate.data["jobs_to_queue"] as? Int == 0, "every image has both variants")
            let status = try await client.execute(uri: "/api/thumbnails/regenerate-all/status", method: .get).data
            #expect(status["active"] as? Bool == false, "a dry run starts no session")
            let stats = try await client.execute(uri: "/api/thumbnails/stats", method: .get).data
            #expect((stats["generation_stats"] as? [String: Any])?["pending_jobs"] as? Int == 0, "and queues no job")
            func value(_ line: Substring?) -> Double? { line?.split(separator: " ").last.flatMap { Double($0) } }
            #expect(value(frameFiles) == Double(older.count + recent.count), "\(frameFiles ?? "no storage_files metric")")
            let growth = metrics.split(separator: "\n").first { $0.hasPrefix("timelapser_storage_growth_bytes_per_day ") }
            #expect(value(growth) == Double(recent.count * perFrame / 7), "\(growth ?? "no growth metric")")
        }
    }

    @Test("retention preview then apply: tiers, near time, a render's frames, a byte budget, old videos; counts equal disk",
          arguments: TestEngines.all)
    func retention(engine: DatabaseEngine) async throws {
        let fixture = try await TestDatabase.make(engine)
        defer { try? FileManager.default.removeItem(atPath: fixture.dataDirectory) }
        let seeded = SeededCatalogue(layout: fixture.layout)
        let now = Date()
        // Camera A: 60 days at one frame per 5 minutes, on the 5-minute grid of UTC.
        let grid = (now.timeIntervalSince1970 / 300).rounded(.down) * 300
        let sixtyDays = (1...(60 * 288)).reversed().map { Date(timeIntervalSince1970: grid - Double($0) * 300) }
        // Camera B: 20 days of hourly frames whose timelapse a render is using. Camera C: 3 days hourly, with a budget.
        let hourly: @Sendable (Int) -> [Date] = { days in (1...(days * 24)).reversed().map { now - Double($0) * 3600 } }
        let (a, b, c, oldVideo) = try await fixture.database.withRunningClient { try await fixture.database.transaction { db in
            let a = try await seeded.seed(db, name: "site", start: now - 61 * 86_400, instants: sixtyDays, variantsEvery: 4)
            let b = try await seeded.seed(db, name: "render", start: now - 21 * 86_400, instants: hourly(20))
            let c = try await seeded.seed(db, name: "budget", start: now - 4 * 86_400, instants: hourly(3))
            let rendering = try await VideoStore.insert(db, timelapseId: b.timelapse.id, name: "week", version: 1, filePath: "x.mp4",
                                                        origin: .manual, settings: "{}", at: now)
            _ = try await VideoStore.claim(db, workerId: "elsewhere", limit: 1, leaseUntil: now + 3600, at: now)
            #expect(try await VideoStore.fetchOne(db, id: rendering.id)?.status == .rendering)
            // A video of C finished 40 days ago (its file is on disk).
            let path = DataLayout.videoPath(cameraId: c.camera.id, timelapseId: c.timelapse.id, name: "old", version: 1)
            try FileManager.default.createDirectory(atPath: fixture.layout.root + "/" + (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: fixture.layout.root + "/" + path))
            let video = try await VideoStore.insert(db, timelapseId: c.timelapse.id, name: "old", version: 1, filePath: path,
                                                    origin: .manual, settings: "{}", at: now - 41 * 86_400)
            let claimed = try await VideoStore.claim(db, workerId: "old", limit: 5, leaseUntil: now + 60, at: now - 41 * 86_400)
            #expect(claimed.map(\.id) == [video.id])
            _ = try await VideoStore.complete(db, id: video.id, workerId: "old", RenderedVideo(
                posterPath: nil, frameCount: 10, firstFrameAt: nil, lastFrameAt: nil, fps: 24, durationSeconds: 1, sizeBytes: 4096,
                codec: "h264", width: 160, height: 120, renderMs: 10), at: now - 40 * 86_400)
            return (a, b, c, video)
        } }
        await fixture.database.close()
        try await Self.withServer(fixture) { client in
            let policy: [String: Any] = ["enabled": true, "keep_all_days": 7, "thin_to_per_hour": 2, "thin_days": 30,
                                         "per_day": ["count": 1, "near": "12:00"]]
            #expect(try await client.execute(uri: "/api/settings", method: .patch, body: Self.json(["retention": policy])).status == .ok)
            let perFrame = seeded.frame.count + seeded.thumbnailSize + seeded.smallSize
            let budget = (c.images.count - 10) * perFrame
            let own: [String: Any] = ["enabled": true, "max_bytes": budget, "video_retention_days": 30]
            let patched = try await client.execute(uri: "/api/cameras/\(c.camera.id)", method: .patch, body: Self.json(["retention": own]))
            #expect(patched.status == .ok)
            #expect((patched.data["retention"] as? [String: Any])?["max_bytes"] as? Int == budget)
            let bad = try await client.execute(uri: "/api/cameras/\(c.camera.id)", method: .patch,
                                               body: Self.json(["retention": ["enabled": true, "keep_all_days": 9, "thin_days": 3]]))
            #expect(bad.status == .unprocessableContent)
            #expect((bad.json["details"] as? [String: Any])?["field"] as? String == "retention.thin_days")

            let preview = try await client.execute(uri: "/api/retention/preview", method: .post).data
            let previewA = try #require(Self.camera(preview, a.camera.id))
            let previewB = try #require(Self.camera(preview, b.camera.id))
            let previewC = try #require(Self.camera(preview, c.camera.id))
            #expect(previewB["frames_to_delete"] as? Int == 0, "a render is using B's frames")
            #expect(previewC["frames_to_delete"] as? Int == 10)
            #expect(previewC["videos_to_delete"] as? Int == 1)
            #expect(try await client.execute(uri: "/api/images/\(a.images[0].id)", method: .get).status == .ok, "a preview deletes nothing")

            let events = try await EventStreamClient(port: try #require(client.port))
            defer { events.close() }
            let applied = try await client.execute(uri: "/api/retention/apply", method: .post)
            #expect(applied.status == .ok)
            let event = try #require(await events.next(timeout: .seconds(20)) { $0.type == "retention_applied" })
            let appliedA = try #require(Self.camera(applied.data, a.camera.id))
            let deletedA = try #require(appliedA["frames_to_delete"] as? Int)
            // The clock moved between the two calls: at most a frame per tier boundary may differ.
            #expect(abs(deletedA - (previewA["frames_to_delete"] as? Int ?? 0)) <= 2)
            #expect(event.data["frames_deleted"] as? Int == applied.data["frames_deleted"] as? Int)

            // What remains of A, tier by tier.
            var remaining: [Date] = []
            while true {
                let listed = try await client.execute(uri: "/api/timelapses/\(a.timelapse.id)/images?limit=1000&offset=\(remaining.count)",
                                                      method: .get)
                let items = listed.json["data"] as? [[String: Any]] ?? []
                remaining += items.compactMap { VideoTestSupport.date($0["captured_at"]) }
                if items.count < 1000 { break }
            }
            #expect(remaining.count == sixtyDays.count - deletedA)
            let check = Date()
            let keepAll = remaining.filter { $0 >= check - 7 * 86_400 + 3600 }
            #expect(keepAll.count == sixtyDays.filter { $0 >= check - 7 * 86_400 + 3600 }.count, "the last 7 days are whole")
            let hourStart = (check.timeIntervalSince1970 / 3600).rounded(.down) * 3600
            for hour in stride(from: hourStart - 29 * 86_400, to: hourStart - 7 * 86_400 - 3600, by: 3600) {
                let kept = remaining.filter { $0.timeIntervalSince1970 >= hour && $0.timeIntervalSince1970 < hour + 3600 }
                #expect(kept.map { Int($0.timeIntervalSince1970 - hour) / 60 }.sorted() == [15, 45], "hour \(Date(timeIntervalSince1970: hour))")
            }
            let dayStart = (check.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
            for day in stride(from: dayStart - 59 * 86_400, to: dayStart - 31 * 86_400, by: 86_400) {
                let kept = remaining.filter { $0.timeIntervalSince1970 >= day && $0.timeIntervalSince1970 < day + 86_400 }
                #expect(kept.map { Int($0.timeIntervalSince1970 - day) } == [12 * 3600], "day \(Date(timeIntervalSince1970: day))")
            }

            // B untouched; C lost exactly ten of its twenty oldest frames, and its old video.
            let timelapseB = try await client.execute(uri: "/api/timelapses/\(b.timelapse.id)", method: .get).data
            #expect(timelapseB["image_count"] as? Int == b.images.count)
            let cGone = try await c.images.asyncFilter { try await client.execute(uri: "/api/images/\($0.id)", method: .get).status == .notFound }
            #expect(cGone.count == 10)
            #expect(cGone.allSatisfy { $0.capturedAt <= c.images[19].capturedAt }, "the budget thinned the oldest first")
            #expect(!FileManager.default.fileExists(atPath: fixture.layout.root + "/" + oldVideo.filePath))

            // Counts equal the disk after the run, for every camera.
            let report = try await client.execute(uri: "/api/storage", method: .get).data
            for camera in [a.camera, b.camera, c.camera] { Self.expectMatchesDisk(report, seeded, cameraId: camera.id) }
            let reportC = try #require(Self.camera(report, c.camera.id))
            #expect((reportC["total"] as? [String: Any])?["bytes"] as? Int ?? .max <= budget)
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncFilter(_ isIncluded: (Element) async throws -> Bool) async rethrows -> [Element] {
        var kept: [Element] = []
        for element in self where try await isIncluded(element) { kept.append(element) }
        return kept
    }
}
