/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum VHDX puts on its headers,
/// region tables and log entries. Table-driven, one byte per step: VHDX checksums cover at most
/// 64 KiB at a time, so speed beyond that does not matter.
public enum CRC32C {
    /// The 256 remainders of the reflected polynomial, one per byte value.
    static let table: [UInt32] = (0..<256).map { value -> UInt32 in
        var crc = UInt32(value)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes` (initial value and final XOR all ones, as iSCSI and VHDX use it).
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    /// The CRC-32C of `bytes` with the four bytes at `field` taken as zero: how VHDX computes the
    /// checksum of a structure that stores it inside itself.
    public static func checksum(_ bytes: [UInt8], zeroingFieldAt field: Int) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for (index, byte) in bytes.enumerated() {
            let value = index >= field && index < field + 4 ? 0 : byte
            crc = table[Int((crc ^ UInt32(value)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }
}
