import Testing
@testable import DiskImage

/// CRC-32C against the check values of RFC 3720 (iSCSI), appendix B.4, and the instruction path
/// against the table path wherever they could part: every length around the 8-byte steps, every
/// alignment, and the zeroed field VHDX leaves for its own checksum.
@Suite struct CRC32CTests {
    @Test func theChecksumMatchesTheISCSICheckValues() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func theTablesMatchTheISCSICheckValues() {
        #expect(CRC32C.portableChecksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.portableChecksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func theInstructionAndTheTablesAgreeOnEveryLengthAndAlignment() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<8 {
            for length in 0..<200 {
                let bytes = Array(data[start..<(start + length)])
                #expect(CRC32C.checksum(bytes) == CRC32C.portableChecksum(bytes))
                #expect(CRC32C.checksum(data[start..<(start + length)]) == CRC32C.portableChecksum(bytes))
            }
        }
        #expect(CRC32C.checksum(data) == CRC32C.portableChecksum(data))
    }

    @Test func aZeroedFieldChecksumsAsIfTheBytesWereZero() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        for field in [0, 4, 50, 96, 97, 100] {
            var zeroed = bytes
            for index in field..<min(field + 4, bytes.count) { zeroed[index] = 0 }
            #expect(CRC32C.checksum(bytes, zeroingFieldAt: field) == CRC32C.portableChecksum(zeroed))
        }
    }
}
