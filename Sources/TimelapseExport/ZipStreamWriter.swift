import Foundation

/// Writes a ZIP archive front to back, never seeking: each entry is stored (not recompressed), its local header
/// flagged "sizes follow" (bit 3) and closed by a data descriptor once its bytes and CRC-32 are known; the central
/// directory comes last. ZIP64 records are added where an offset, a size or the entry count needs them (an archive
/// over 4 GB), so any size streams.
///
/// It only produces bytes; the caller sends them (an HTTP body, a file). Memory: one small record per entry for the
/// central directory.
struct ZipStreamWriter {
    private struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt64
        var offset: UInt64
        var dosTime: UInt16
        var dosDate: UInt16
    }

    private var entries: [Entry] = []
    private var offset: UInt64 = 0
    private var current: (name: [UInt8], crc: CRC32, size: UInt64, offset: UInt64, time: UInt16, date: UInt16)?

    /// Bytes written so far.
    var bytesWritten: UInt64 { offset }

    /// The local header of a new entry.
    mutating func begin(name: String, modified: Date) -> [UInt8] {
        precondition(current == nil, "finish the entry first")
        let nameBytes = Array(name.utf8)
        let (time, date) = Self.dos(modified)
        var header = ByteWriter()
        header.u32(0x0403_4B50)
        header.u16(45)  // version needed: ZIP64
        header.u16(0x0808)  // bit 3: sizes in the data descriptor; bit 11: UTF-8 names
        header.u16(0)  // stored
        header.u16(time)
        header.u16(date)
        header.u32(0)
        header.u32(0xFFFF_FFFF)  // sizes: in the descriptor (ZIP64-sized)
        header.u32(0xFFFF_FFFF)
        header.u16(UInt16(nameBytes.count))
        header.u16(20)  // the ZIP64 extra field below
        header.bytes(nameBytes)
        header.u16(0x0001)
        header.u16(16)
        header.u64(0)
        header.u64(0)
        current = (nameBytes, CRC32(), 0, offset, time, date)
        offset += UInt64(header.bytes.count)
        return header.bytes
    }

    /// Accounts for a piece of the current entry's bytes (the caller sends them as they are).
    mutating func content(_ bytes: some Collection<UInt8>) {
        precondition(current != nil)
        current!.crc.update(bytes)
        current!.size += UInt64(bytes.count)
        offset += UInt64(bytes.count)
    }

    /// The data descriptor that closes the current entry.
    mutating func end() -> [UInt8] {
        guard let entry = current else { preconditionFailure("no entry to end") }
        current = nil
        var descriptor = ByteWriter()
        descriptor.u32(0x0807_4B50)
        descriptor.u32(entry.crc.checksum)
        descriptor.u64(entry.size)  // ZIP64 descriptor: 8-byte sizes, as the local header's extra field announces
        descriptor.u64(entry.size)
        entries.append(Entry(name: entry.name, crc: entry.crc.checksum, size: entry.size, offset: entry.offset,
                             dosTime: entry.time, dosDate: entry.date))
        offset += UInt64(descriptor.bytes.count)
        return descriptor.bytes
    }

    /// The central directory and the end records.
    mutating func finish() -> [UInt8] {
        precondition(current == nil)
        var out = ByteWriter()
        let start = offset
        for entry in entries {
            let big = entry.size >= 0xFFFF_FFFF || entry.offset >= 0xFFFF_FFFF
            out.u32(0x0201_4B50)
            out.u16(0x031E)  // made by: Unix, 3.0
            out.u16(big ? 45 : 20)
            out.u16(0x0808)
            out.u16(0)
            out.u16(entry.dosTime)
            out.u16(entry.dosDate)
            out.u32(entry.crc)
            out.u32(big ? 0xFFFF_FFFF : UInt32(entry.size))
            out.u32(big ? 0xFFFF_FFFF : UInt32(entry.size))
            out.u16(UInt16(entry.name.count))
            out.u16(big ? 28 : 0)
            out.u16(0)
            out.u16(0)
            out.u16(0)
            out.u32(0o100644 << 16)  // a regular file, rw-r--r--
            out.u32(big ? 0xFFFF_FFFF : UInt32(entry.offset))
            out.bytes(entry.name)
            if big {
                out.u16(0x0001)
                out.u16(24)
                out.u64(entry.size)
                out.u64(entry.size)
                out.u64(entry.offset)
            }
        }
        let size = UInt64(out.bytes.count)
        let end = start + size
        let zip64 = entries.count >= 0xFFFF || start >= 0xFFFF_FFFF || size >= 0xFFFF_FFFF
        if zip64 {
            out.u32(0x0606_4B50)
            out.u64(44)
            out.u16(0x031E)
            out.u16(45)
            out.u32(0)
            out.u32(0)
            out.u64(UInt64(entries.count))
            out.u64(UInt64(entries.count))
            out.u64(size)
            out.u64(start)
            out.u32(0x0706_4B50)
            out.u32(0)
            out.u64(end)
            out.u32(1)
        }
        out.u32(0x0605_4B50)
        out.u16(0)
        out.u16(0)
        out.u16(zip64 ? 0xFFFF : UInt16(entries.count))
        out.u16(zip64 ? 0xFFFF : UInt16(entries.count))
        out.u32(zip64 ? 0xFFFF_FFFF : UInt32(size))
        out.u32(zip64 ? 0xFFFF_FFFF : UInt32(start))
        out.u16(0)
        offset += UInt64(out.bytes.count)
        return out.bytes
    }

    /// MS-DOS time and date (local time is what ZIP tools show; UTC here, the archive's index.csv carries the exact
    /// instants).
    static func dos(_ date: Date) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = max(1980, min(2107, c.year ?? 1980))
        let time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        let day = UInt16((year - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        return (time, day)
    }
}

/// Little-endian fields into a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    mutating func u32(_ v: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((v >> UInt32(shift)) & 0xFF)) } }
    mutating func u64(_ v: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8((v >> UInt64(shift)) & 0xFF)) } }
    mutating func bytes(_ b: [UInt8]) { bytes += b }
}
