import Database
import DataDirectory
import Foundation
import Hummingbird
import ImageServing
import Maintenance
import NIOCore
import NIOPosix
import TimelapserCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file behind a resolution is gone or is no longer the file that was resolved (replaced, turned into a
/// symlink): resolve again.
struct VariantFileChanged: Error {}

/// Reads variant files off the event loop, never following a symlink at the last component and only when the
/// file is still the one the resolver checked (same device, inode and size).
enum VariantFileReader {
    /// Up to this many bytes are read whole in one thread-pool hop (every thumbnail and small); larger bodies
    /// stream in chunks.
    static let wholeReadLimit: Int64 = 1 << 20
    static let chunkLength: Int64 = 256 * 1024

    /// The response body for `range` of `file`. Throws ``VariantFileChanged`` before any byte is committed when
    /// the file cannot be opened as resolved.
    static func body(_ file: VariantFile, range: ClosedRange<Int64>) async throws -> ResponseBody {
        let length = range.upperBound - range.lowerBound + 1
        if length <= wholeReadLimit {
            let buffer = try await NIOThreadPool.singleton.runIfActive { try read(file, range: range) }
            return ResponseBody(byteBuffer: buffer)
        }
        // Check now so a vanished file still falls back; the stream opens the file again when it is written.
        _ = try await NIOThreadPool.singleton.runIfActive { close(try openChecked(file)) }
        return ResponseBody(contentLength: Int(length)) { writer in
            let descriptor = try await NIOThreadPool.singleton.runIfActive { try openChecked(file) }
            defer { close(descriptor) }
            var offset = range.lowerBound
            while offset <= range.upperBound {
                let chunk = min(chunkLength, range.upperBound - offset + 1)
                let start = offset
                let buffer = try await NIOThreadPool.singleton.runIfActive {
                    try readBytes(descriptor, count: Int(chunk), at: start)
                }
                try await writer.write(buffer)
                offset += chunk
            }
            try await writer.finish(nil)
        }
    }

    /// Whole small files, e.g. for inline batch answers; blocking, call from the thread pool.
    static func read(_ file: VariantFile, range: ClosedRange<Int64>? = nil) throws -> ByteBuffer {
        let descriptor = try openChecked(file)
        defer { close(descriptor) }
        let range = range ?? 0...(file.size - 1)
        return try readBytes(descriptor, count: Int(range.upperBound - range.lowerBound + 1), at: range.lowerBound)
    }

    /// Opens the resolved real path with `O_NOFOLLOW` and checks it is still the same regular file.
    static func openChecked(_ file: VariantFile) throws -> Int32 {
        let descriptor = open(file.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw VariantFileChanged() }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, UInt64(info.st_dev) == file.device,
              UInt64(info.st_ino) == file.inode, Int64(info.st_size) == file.size
        else {
            close(descriptor)
            throw VariantFileChanged()
        }
        return descriptor
    }

    private static func readBytes(_ descriptor: Int32, count: Int, at offset: Int64) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var done = 0
        while done < count {
            let position = offset + Int64(done)
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { pointer in
                let r = pread(descriptor, pointer.baseAddress, count - done, off_t(position))
                return r > 0 ? r : 0
            }
            // A file that shrank under us is not the file whose length the headers promised.
            guard n > 0 else { throw VariantFileChanged() }
            done += n
        }
        return buffer
    }
}
