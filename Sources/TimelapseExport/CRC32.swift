/// CRC-32 (IEEE 802.3, the one ZIP uses), table-driven.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private(set) var value: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: some Collection<UInt8>) {
        var c = value
        for byte in bytes { c = Self.table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        value = c
    }

    var checksum: UInt32 { value ^ 0xFFFF_FFFF }
}
