import Foundation

/// Reads the stored (uncompressed) entries of a ZIP archive from a file, ZIP64 included: what
/// ``ZipStreamWriter`` writes, and any other archive whose entries are stored. One entry's bytes in memory at a time.
public struct ZipReader: Sendable {
    public struct Entry: Sendable {
        public let name: String
        let crc: UInt32
        let size: UInt64
        let method: UInt16
        let localHeaderOffset: UInt64
    }

    public let path: String
    public let entries: [Entry]

    public init(path: String) throws {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ExportError("cannot read \(path)") }
        defer { try? handle.close() }
        let length = try handle.seekToEnd()
        let tailLength = min(length, 65_557)
        try handle.seek(toOffset: length - tailLength)
        let tail = Array(try handle.read(upToCount: Int(tailLength)) ?? Data())
        guard let eocd = Self.lastIndex(of: 0x0605_4B50, in: tail) else { throw ExportError("\(path) is not a ZIP archive") }
        var count = UInt64(Self.u16(tail, eocd + 10))
        var directoryOffset = UInt64(Self.u32(tail, eocd + 16))
        if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF, eocd >= 20, Self.u32(tail, eocd - 20) == 0x0706_4B50 {
            let zip64End = Self.u64(tail, eocd - 20 + 8)
            try handle.seek(toOffset: zip64End)
            let record = Array(try handle.read(upToCount: 56) ?? Data())
            guard record.count == 56, Self.u32(record, 0) == 0x0606_4B50 else { throw ExportError("\(path): bad ZIP64 end record") }
            count = Self.u64(record, 32)
            directoryOffset = Self.u64(record, 48)
        }
        try handle.seek(toOffset: directoryOffset)
        let directory = Array(try handle.read(upToCount: Int(length - directoryOffset)) ?? Data())
        var entries: [Entry] = []
        var at = 0
        for _ in 0..<count {
            guard at + 46 <= directory.count, Self.u32(directory, at) == 0x0201_4B50 else { throw ExportError("\(path): bad central directory") }
            let method = Self.u16(directory, at + 10)
            let crc = Self.u32(directory, at + 16)
            var size = UInt64(Self.u32(directory, at + 24))
            let nameLength = Int(Self.u16(directory, at + 28)), extraLength = Int(Self.u16(directory, at + 30))
            let commentLength = Int(Self.u16(directory, at + 32))
            var offset = UInt64(Self.u32(directory, at + 42))
            let name = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = Self.u16(directory, extra), fieldLength = Int(Self.u16(directory, extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF { size = Self.u64(directory, field); field += 8 }
                    if Self.u32(directory, at + 20) == 0xFFFF_FFFF { field += 8 }
                    if offset == 0xFFFF_FFFF { offset = Self.u64(directory, field) }
                }
                extra += 4 + fieldLength
            }
            entries.append(Entry(name: name, crc: crc, size: size, method: method, localHeaderOffset: offset))
            at = extraEnd + commentLength
        }
        self.entries = entries
    }

    /// An entry's bytes, checked against its CRC-32.
    public func contents(of entry: Entry) throws -> [UInt8] {
        guard entry.method == 0 else { throw ExportError("\(entry.name) is compressed; only stored entries (as Timelapser writes them) are read") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ExportError("cannot read \(path)") }
        defer { try? handle.close() }
        try handle.seek(toOffset: entry.localHeaderOffset)
        let header = Array(try handle.read(upToCount: 30) ?? Data())
        guard header.count == 30, Self.u32(header, 0) == 0x0403_4B50 else { throw ExportError("\(entry.name): bad local header") }
        try handle.seek(toOffset: entry.localHeaderOffset + 30 + UInt64(Self.u16(header, 26)) + UInt64(Self.u16(header, 28)))
        let bytes = Array(try handle.read(upToCount: Int(entry.size)) ?? Data())
        var crc = CRC32()
        crc.update(bytes)
        guard bytes.count == Int(entry.size), crc.checksum == entry.crc else { throw ExportError("\(entry.name): damaged (CRC-32 differs)") }
        return bytes
    }

    static func lastIndex(of signature: UInt32, in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 22 else { return nil }
        for i in stride(from: bytes.count - 22, through: 0, by: -1) where u32(bytes, i) == signature { return i }
        return nil
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}

/// Why an export or a ZIP import could not be done.
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
