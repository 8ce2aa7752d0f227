import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum VHDX puts on its headers,
/// region tables and log entries. Every VHDX header read checksums two 64 KiB region tables, so
/// the work is done in C with the processor's crc32 instruction (SSE4.2, ARMv8 CRC), about
/// 0.4 cycles a byte, or eight table lookups per 8 bytes where there is none: a byte at a time
/// cost 1.3 million instructions per VHDX header.
public enum CRC32C {
    /// The CRC-32C of `bytes` (initial value and final XOR all ones, as iSCSI and VHDX use it).
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ update(0xFFFF_FFFF, $0) }) { return ~crc }
        return ~Array(bytes).withUnsafeBufferPointer { update(0xFFFF_FFFF, $0) }
    }

    /// The CRC-32C of `bytes` with the four bytes at `field` taken as zero: how VHDX computes the
    /// checksum of a structure that stores it inside itself.
    public static func checksum(_ bytes: [UInt8], zeroingFieldAt field: Int) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            let start = min(max(field, 0), buffer.count)
            let end = min(start + 4, buffer.count)
            var crc = update(0xFFFF_FFFF, UnsafeBufferPointer(rebasing: buffer[..<start]))
            let zeros: [UInt8] = [0, 0, 0, 0]
            crc = zeros.withUnsafeBufferPointer { update(crc, UnsafeBufferPointer(rebasing: $0[..<(end - start)])) }
            return ~update(crc, UnsafeBufferPointer(rebasing: buffer[end...]))
        }
    }

    /// Whether the processor's crc32 instruction does the work.
    public static var usesHardware: Bool { koopack_crc32c_hardware() != 0 }

    /// The CRC-32C of `bytes` through the lookup tables alone, for tests that hold the
    /// instruction and the tables to the same answers.
    public static func portableChecksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.withUnsafeBytes { koopack_crc32c_update_portable(0xFFFF_FFFF, $0.baseAddress, $0.count) }
    }

    private static func update(_ crc: UInt32, _ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        buffer.isEmpty ? crc : koopack_crc32c_update(crc, buffer.baseAddress, buffer.count)
    }
}
