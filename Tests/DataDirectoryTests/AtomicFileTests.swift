@testable import DataDirectory
import Foundation
import Testing
import TestSupport

@Suite struct AtomicFileTests {
    let owner = TempOwner(workerID: "host-42", jobID: 7)

    @Test func writesAndCreatesDirectories() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/a/b/c/file.jpg"
        try AtomicFile.write([1, 2, 3], to: path, owner: owner)
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3]))
        try AtomicFile.write([4, 5], to: path, owner: owner)  // replaces
        #expect(FileManager.default.contents(atPath: path) == Data([4, 5]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/a/b/c") == ["file.jpg"])
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.path + "/a/b")
        #expect((attrs[.posixPermissions] as? Int) == 0o755)
    }

    @Test func finalNameOnlyAppearsAfterRename() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/frame.jpg"
        var sawTemp: String? = nil
        // At the moment before rename the complete data sits under the temp name only.
        try AtomicFile.write([9, 9, 9], to: path, owner: owner, beforeRename: { temp in
            sawTemp = temp
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(FileManager.default.contents(atPath: temp) == Data([9, 9, 9]))
            return true
        })
        let temp = try #require(sawTemp)
        let name = String(temp.split(separator: "/").last!)
        #expect(AtomicFile.parseTempName(name) == owner)
        #expect(!FileManager.default.fileExists(atPath: temp))
        #expect(dir.list() == ["frame.jpg"])
    }

    @Test func failureLeavesNothing() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/frame.jpg"
        #expect(throws: FileWriteError.self) {
            try AtomicFile.write([1, 2, 3], to: path, owner: owner, beforeRename: { _ in false })
        }
        #expect(dir.list().isEmpty)
        // An existing final file is left untouched by a failed replacement.
        try AtomicFile.write([1], to: path, owner: owner)
        #expect(throws: FileWriteError.self) {
            try AtomicFile.write([2, 2], to: path, owner: owner, beforeRename: { _ in false })
        }
        #expect(FileManager.default.contents(atPath: path) == Data([1]))
        #expect(dir.list() == ["frame.jpg"])
        // Parent path is a file: typed io error, nothing created.
        #expect(throws: FileWriteError.self) {
            try AtomicFile.write([1], to: path + "/x.jpg", owner: owner)
        }
    }

    @Test func killedWriterLeavesNoFinalFile() throws {
        // A child shell starts writing the temp file the way AtomicFile does and is
        // killed before the rename: only the owner-tagged temp exists, and a sweep
        // (owner dead) removes it.
        let dir = TempDir()
        defer { dir.cleanup() }
        let dead = TempOwner(workerID: "host-999999", jobID: 3)
        let temp = dir.path + "/" + AtomicFile.tempName(for: "frame.jpg", owner: dead)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "head -c 100000 /dev/zero > \"$1\"; kill -9 $$; mv \"$1\" \"$2\"", "sh", temp, dir.path + "/frame.jpg"]
        try p.launchSerialized()
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/frame.jpg"))
        #expect(FileManager.default.fileExists(atPath: temp))
        #expect(AtomicFile.sweepTemps(in: dir.path) { $0 != dead } == 1)
        #expect(dir.list().isEmpty)
    }

    @Test func tempNamesRoundTrip() {
        let name = AtomicFile.tempName(for: "timelapse-1_day001_120000.jpg", owner: owner)
        #expect(name.hasPrefix(".tmp.host-42.7."))
        #expect(name.hasSuffix(".timelapse-1_day001_120000.jpg"))
        #expect(AtomicFile.parseTempName(name) == owner)
        #expect(AtomicFile.parseTempName("frame.jpg") == nil)
        #expect(AtomicFile.parseTempName(".tmp.") == nil)
        #expect(AtomicFile.parseTempName(".tmp.host.x.abc.f.jpg") == nil)
        #expect(AtomicFile.parseTempName(".tmp.host-1.12.zz.f.jpg") == nil)
        #expect(AtomicFile.parseTempName(".tmp.host-1.-5.ab12.f.jpg") == TempOwner(workerID: "host-1", jobID: -5))
        #expect(TempOwner(workerID: "a.b/c", jobID: 1).workerID == "a-b-c")
        #expect(!TempOwner.currentWorkerID().contains("."))
    }

    @Test func sweepRemovesOnlyDeadOwnersTemps() throws {
        let dir = TempDir()
        let outside = TempDir()
        defer { dir.cleanup(); outside.cleanup() }
        let fm = FileManager.default
        let dead = TempOwner(workerID: "hostA-1", jobID: 1)
        let live = TempOwner(workerID: "hostB-2", jobID: 2)
        let deadTemp = AtomicFile.tempName(for: "x.jpg", owner: dead)
        let liveTemp = AtomicFile.tempName(for: "y.jpg", owner: live)
        _ = fm.createFile(atPath: dir.path + "/" + deadTemp, contents: Data([1]))
        _ = fm.createFile(atPath: dir.path + "/" + liveTemp, contents: Data([1]))
        _ = fm.createFile(atPath: dir.path + "/x.jpg", contents: Data([1]))
        _ = fm.createFile(atPath: dir.path + "/.tmp.notours", contents: Data([1]))
        // A symlink with a dead owner's temp name pointing at a file outside.
        _ = fm.createFile(atPath: outside.path + "/precious.jpg", contents: Data([7]))
        let linkName = AtomicFile.tempName(for: "z.jpg", owner: dead)
        try fm.createSymbolicLink(atPath: dir.path + "/" + linkName, withDestinationPath: outside.path + "/precious.jpg")
        // A directory with a temp name, containing a temp: not recursed into.
        let subName = AtomicFile.tempName(for: "d", owner: dead)
        try fm.createDirectory(atPath: dir.path + "/" + subName, withIntermediateDirectories: false)
        _ = fm.createFile(atPath: dir.path + "/" + subName + "/" + deadTemp, contents: Data([1]))

        let removed = AtomicFile.sweepTemps(in: dir.path) { $0 == live }
        #expect(removed == 1)
        #expect(Set(dir.list()) == Set([liveTemp, "x.jpg", ".tmp.notours", linkName, subName]))
        #expect(fm.contents(atPath: outside.path + "/precious.jpg") == Data([7]))
        #expect(fm.fileExists(atPath: dir.path + "/" + subName + "/" + deadTemp))
        // Sweeping a symlinked directory does nothing.
        try fm.createSymbolicLink(atPath: outside.path + "/link", withDestinationPath: dir.path)
        #expect(AtomicFile.sweepTemps(in: outside.path + "/link") { _ in false } == 0)
        #expect(AtomicFile.sweepTemps(in: dir.path + "/missing") { _ in false } == 0)
    }
}
