#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who wrote a temp file: a worker (process) and the job it was running.
public struct TempOwner: Sendable, Hashable {
    /// No dots or slashes (they are replaced by "-"), e.g. "host-1234".
    public let workerID: String
    public let jobID: Int64

    public init(workerID: String, jobID: Int64) {
        let cleaned = String(workerID.map { c -> Character in
            (c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")) ? c : "-"
        })
        self.workerID = cleaned.isEmpty ? "-" : cleaned
        self.jobID = jobID
    }

    /// "<hostname>-<pid>" of this process.
    public static func currentWorkerID() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buf, buf.count) == 0
            ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        return TempOwner(workerID: "\(host)-\(getpid())", jobID: 0).workerID
    }
}

/// Crash-safe file replacement: write a temp file beside the final name, fsync,
/// rename over the final name, fsync the directory. Readers see the old file or
/// the whole new one, never a partial one.
public enum AtomicFile {
    static let prefix = ".tmp."

    /// ".tmp.<workerID>.<jobID>.<random>.<finalName>"
    static func tempName(for finalName: String, owner: TempOwner) -> String {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return "\(prefix)\(owner.workerID).\(owner.jobID).\(random).\(finalName)"
    }

    /// Writes `bytes` to `finalPath` atomically, creating parent directories (0755).
    public static func write(_ bytes: [UInt8], to finalPath: String, owner: TempOwner) throws(FileWriteError) {
        try write(bytes, to: finalPath, owner: owner, beforeRename: nil)
    }

    /// Like ``write(_:to:owner:)`` but never replaces an existing file: the temp file is hard-linked to the final
    /// name, which fails when the name is taken. Returns false (leaving nothing behind) when `finalPath` exists.
    /// Frames use this: a second frame with the same name must not overwrite the first.
    public static func writeNew(_ bytes: [UInt8], to finalPath: String, owner: TempOwner) throws(FileWriteError) -> Bool {
        var created = true
        try write(bytes, to: finalPath, owner: owner, beforeRename: nil) { temp, final throws(FileWriteError) in
            if link(temp, final) == 0 {
                unlink(temp)
                return
            }
            guard errno == EEXIST else { throw FileWriteError("cannot link to \(final)") }
            unlink(temp)
            created = false
        }
        return created
    }

    /// Writes and syncs `bytes` to a temp file in `directory` (created when missing) without giving it a name yet:
    /// the write can run while the caller still decides whether to keep the file (a frame under corruption
    /// detection). ``StagedFile/publishNew(as:)`` names it, ``StagedFile/discard()`` removes it; a crash leaves only
    /// the temp file, which the startup sweep removes.
    public static func stage(_ bytes: [UInt8], inDirectory directory: String, nameHint: String,
                             owner: TempOwner) throws(FileWriteError) -> StagedFile {
        guard !nameHint.isEmpty, nameHint != ".", nameHint != ".." else { throw FileWriteError("invalid file name \(nameHint)", code: EINVAL) }
        return StagedFile(tempPath: try writeTemp(bytes, directory: directory, name: nameHint, owner: owner), directory: directory)
    }

    /// `beforeRename` is a test seam: returning false simulates a failure after the
    /// temp file is complete and before it is renamed.
    static func write(_ bytes: [UInt8], to finalPath: String, owner: TempOwner,
                      beforeRename: ((String) -> Bool)?,
                      publish: ((String, String) throws(FileWriteError) -> Void)? = nil) throws(FileWriteError) {
        let (dir, name) = split(finalPath)
        guard !name.isEmpty, name != ".", name != ".." else { throw FileWriteError("invalid file name in \(finalPath)", code: EINVAL) }
        let tempPath = try writeTemp(bytes, directory: dir, name: name, owner: owner)
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        if let beforeRename, !beforeRename(tempPath) {
            throw FileWriteError("injected failure before rename", code: EIO)
        }
        if let publish {
            try publish(tempPath, finalPath)
        } else if rename(tempPath, finalPath) != 0 {
            throw FileWriteError("cannot rename to \(finalPath)")
        }
        ok = true
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// A temp file beside `name` in `directory` (made when missing) holding `bytes`, its data synced; removed again
    /// when any step fails.
    static func writeTemp(_ bytes: [UInt8], directory dir: String, name: String, owner: TempOwner) throws(FileWriteError) -> String {
        let tempPath = join(dir, tempName(for: name, owner: owner))
        // The folder almost always exists: create it only when the open says it does not (a stat per write saved).
        var fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 && errno == ENOENT {
            try makeDirectories(dir)
            fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        }
        guard fd >= 0 else { throw FileWriteError("cannot create \(tempPath)") }
        defer { close(fd) }
        do throws(FileWriteError) {
            var off = 0
            while off < bytes.count {
                let n = bytes.withUnsafeBytes { b in systemWrite(fd, b.baseAddress! + off, b.count - off) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileWriteError("cannot write \(tempPath)")
                }
                off += n
            }
            // The data and the size reach the disk before the name does: all a new file needs (its other metadata,
            // times, need not), which is what fdatasync skips; the directory's fsync after naming makes the name durable.
            guard syncData(fd) == 0 else { throw FileWriteError("cannot fsync \(tempPath)") }
        } catch {
            unlink(tempPath)
            throw error
        }
        return tempPath
    }

    /// The owner encoded in a temp file name, or nil when it is not one of ours.
    public static func parseTempName(_ fileName: String) -> TempOwner? {
        guard fileName.hasPrefix(prefix) else { return nil }
        let parts = fileName.dropFirst(prefix.count).split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let worker = String(parts[0])
        guard !worker.isEmpty, TempOwner(workerID: worker, jobID: 0).workerID == worker,
              let job = Int64(parts[1]),
              !parts[2].isEmpty, parts[2].allSatisfy({ $0.isHexDigit }),
              !parts[3].isEmpty else { return nil }
        return TempOwner(workerID: worker, jobID: job)
    }

    /// Removes temp files in `directory` (not recursive) whose owner is not alive.
    /// Only regular files with a temp name are removed; symlinks are never followed
    /// or removed. Returns the number removed.
    public static func sweepTemps(in directory: String, isOwnerAlive: (TempOwner) -> Bool) -> Int {
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard dfd >= 0 else { return 0 }
        defer { close(dfd) }
        guard let dir = fdopendir(dup(dfd)) else { return 0 }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            names.append(name)
        }
        var removed = 0
        for name in names {
            guard let owner = parseTempName(name), !isOwnerAlive(owner) else { continue }
            var st = stat()
            guard fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if unlinkat(dfd, name, 0) == 0 { removed += 1 }
        }
        return removed
    }

    // MARK: paths

    static func split(_ path: String) -> (dir: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    static func join(_ dir: String, _ name: String) -> String {
        dir.isEmpty ? name : (dir.hasSuffix("/") ? dir + name : dir + "/" + name)
    }

    static func makeDirectories(_ dir: String) throws(FileWriteError) {
        guard !dir.isEmpty else { return }
        var st = stat()
        if stat(dir, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw FileWriteError("\(dir) is not a directory", code: ENOTDIR) }
            return
        }
        let (parent, _) = split(dir)
        if parent != dir && !parent.isEmpty { try makeDirectories(parent) }
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw FileWriteError("cannot create directory \(dir)")
        }
    }
}

@inline(__always)
private func syncData(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    fdatasync(fd)
    #else
    fsync(fd)
    #endif
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, buf, n)
}

/// A complete, synced temp file waiting for its final name (``AtomicFile/stage(_:inDirectory:nameHint:owner:)``).
public struct StagedFile: Sendable {
    let tempPath: String
    let directory: String

    /// Gives the file `name` in its directory unless that name is taken (false: the file stays staged, try another
    /// name), then syncs the directory so the name is durable.
    public func publishNew(as name: String) throws(FileWriteError) -> Bool {
        let finalPath = AtomicFile.join(directory, name)
        guard link(tempPath, finalPath) == 0 else {
            guard errno == EEXIST else { throw FileWriteError("cannot link to \(finalPath)") }
            return false
        }
        unlink(tempPath)
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
        return true
    }

    /// Removes the temp file (the frame was refused, or every name was taken).
    public func discard() {
        unlink(tempPath)
    }
}
