@testable import Database
import DataDirectory
import Foundation
import Logging
@testable import Maintenance
import Testing
import TestSupport
import TimelapserCore

/// The marker rules of ``DataDirectoryGuard`` on a real database and real folders, one case each.
@Suite("Data directory marker rules")
struct DataDirectoryGuardRulesTests {
    static func guardOf(_ t: TestDatabase, root: String? = nil) -> DataDirectoryGuard {
        var logger = Logger(label: "guard-test")
        logger.logLevel = .critical
        return DataDirectoryGuard(database: t.database, layout: DataLayout(root: root ?? t.layout.root), logger: logger)
    }

    /// What establishing finds, and what a check right after says.
    static func established(_ guarded: DataDirectoryGuard) async -> DataDirectoryState {
        _ = await guarded.establish()
        return await guarded.check()
    }

    static func marker(_ root: String) -> String? {
        try? String(contentsOfFile: root + "/" + DataDirectoryMarker.fileName, encoding: .utf8)
    }

    static func writeMarker(_ root: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + DataDirectoryMarker.fileName))
    }

    static func storedId(_ t: TestDatabase) async throws -> String? {
        try await t.database.read { try await DataDirectoryStore.storedId($0) }
    }

    /// One image row (its frame need not exist).
    static func addFrame(_ t: TestDatabase) async throws {
        let now = Date()
        _ = try await t.database.transaction { db in
            let camera = try await CameraStore.insert(db, name: "cam", rtspUrl: nil, captureIntervalSeconds: 60, generateThumbnails: true, at: now)
            let timelapse = try await TimelapseStore.insertRunning(db, cameraId: camera.id, name: "t", startedAt: now, at: now)
            return try await ImageStore.insert(db, timelapseId: timelapse.id, cameraId: camera.id,
                                               filePath: DataLayout.framesDirectory(cameraId: camera.id, timelapseId: timelapse.id) + "/f.jpg",
                                               capturedAt: now, dayNumber: 1, fileSize: 10, width: 64, height: 48, at: now)
        }
    }

    static func isMismatch(_ state: DataDirectoryState, containing text: String) -> Bool {
        if case .mismatch(let reason) = state { return reason.contains(text) }
        return false
    }

    @Test("first start: a fresh id in the marker and the database; a second start agrees", arguments: TestEngines.all)
    func firstStart(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            #expect(await Self.established(Self.guardOf(t)) == .ok)
            let marker = try #require(Self.marker(t.layout.root))
            #expect(try await Self.storedId(t) == marker.trimmingCharacters(in: .newlines))
            #expect(await Self.established(Self.guardOf(t)) == .ok)
            #expect(Self.marker(t.layout.root) == marker, "an existing marker is never rewritten")
        }
    }

    @Test("a marker without a database id is adopted (a restore)", arguments: TestEngines.all)
    func restore(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let id = UUID().uuidString.lowercased()
            try Self.writeMarker(t.layout.root, id + "\n")
            #expect(await Self.established(Self.guardOf(t)) == .ok)
            #expect(try await Self.storedId(t) == id)
        }
    }

    @Test("frames but no marker: adopted when cameras/ has entries (an upgrade), refused when not (unmounted)",
          arguments: TestEngines.all)
    func upgradeOrUnmounted(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            try await Self.addFrame(t)
            let unmounted = await Self.established(Self.guardOf(t))
            #expect(Self.isMismatch(unmounted, containing: "database lists 1 frames: is the volume mounted?"), "\(unmounted)")
            let storedWhileUnmounted = try await Self.storedId(t)
            #expect(Self.marker(t.layout.root) == nil && storedWhileUnmounted == nil, "nothing written")
            await #expect(throws: MaintenanceError.self) { try await Self.guardOf(t).require() }

            // Mounted now: a guard still without an id establishes again at its next check, and adopts.
            let guarded = Self.guardOf(t)
            _ = await Self.established(guarded)
            try FileManager.default.createDirectory(atPath: t.layout.root + "/cameras/camera-1", withIntermediateDirectories: true)
            #expect(await guarded.check() == .ok)
            let stored = try await Self.storedId(t)
            #expect(stored != nil && stored == Self.marker(t.layout.root)?.trimmingCharacters(in: .newlines))
        }
    }

    @Test("a database id without a marker, a foreign marker, or junk in it: mismatch, nothing written",
          arguments: TestEngines.all)
    func mismatches(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            #expect(await Self.established(Self.guardOf(t)) == .ok)
            let id = try #require(try await Self.storedId(t))
            let other = TempDir()
            defer { other.cleanup() }
            let empty = await Self.established(Self.guardOf(t, root: other.path))
            #expect(Self.isMismatch(empty, containing: "has no marker"), "\(empty)")
            #expect(other.list().isEmpty, "no marker is written where the database has an id")

            try Self.writeMarker(other.path, UUID().uuidString + "\n")
            let foreign = await Self.established(Self.guardOf(t, root: other.path))
            #expect(Self.isMismatch(foreign, containing: "another instance"), "\(foreign)")
            #expect(Self.isMismatch(foreign, containing: id))

            try Self.writeMarker(other.path, "not an id")
            let junk = await Self.established(Self.guardOf(t, root: other.path))
            #expect(Self.isMismatch(junk, containing: "holds no id"), "\(junk)")
            #expect(try await Self.storedId(t) == id, "the stored id is never replaced")

            // The same id in upper case is the same id.
            try Self.writeMarker(other.path, id.uppercased())
            #expect(await Self.established(Self.guardOf(t, root: other.path)) == .ok)
        }
    }

    @Test("check reads the marker again: a directory unmounted after start is caught", arguments: TestEngines.all)
    func unmountedAfterStart(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            let guarded = Self.guardOf(t)
            #expect(await Self.established(guarded) == .ok)
            let marker = try #require(Self.marker(t.layout.root))
            try FileManager.default.removeItem(atPath: t.layout.root + "/" + DataDirectoryMarker.fileName)
            #expect(Self.isMismatch(await guarded.check(), containing: "has no marker"))
            await #expect(throws: MaintenanceError.self) { try await guarded.require() }
            try Self.writeMarker(t.layout.root, marker)
            #expect(await guarded.check() == .ok)
            try await guarded.require()
        }
    }

    @Test("two guards establishing at once agree on one id", arguments: TestEngines.all)
    func concurrentStarts(engine: DatabaseEngine) async throws {
        try await withTestDatabase(engine) { t in
            async let a = Self.established(Self.guardOf(t))
            async let b = Self.established(Self.guardOf(t))
            #expect(await [a, b] == [.ok, .ok])
            let stored = try await Self.storedId(t)
            #expect(stored != nil && stored == Self.marker(t.layout.root)?.trimmingCharacters(in: .newlines))
        }
    }
}
