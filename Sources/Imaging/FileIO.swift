#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum FileIO {
    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// Reads up to `limit` bytes (all of it when nil). Returns the bytes and the file size.
    static func read(_ path: String, limit: Int? = nil) throws(ImagingError) -> (bytes: [UInt8], fileSize: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("cannot stat \(path): \(errnoText())") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path) is not a regular file") }
        let fileSize = Int(st.st_size)
        let want = min(fileSize, limit ?? fileSize)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: want) { buf, count in
            var off = 0
            while off < want {
                let n = systemRead(fd, buf.baseAddress! + off, want - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                off += n
            }
            count = off
        }
        if failure != 0 { throw .io("cannot read \(path): \(errnoText(failure))") }
        return (bytes, fileSize)
    }
}

@inline(__always)
private func systemRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ n: Int) -> Int {
    read(fd, buf, n)
}
