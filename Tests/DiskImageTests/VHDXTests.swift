import Foundation
import Testing
@testable import DiskImage

@Suite struct VHDXTests {
    static let qemu = QemuImg.available

    @Test func crc32cMatchesTheCastagnoliCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"),
          arguments: ["1M", "8M", "32M", "256M"], ["dynamic", "fixed"])
    func aVHDXAgreesWithQemuImgForEachBlockSize(blockSize: String, subformat: String) throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["create", "-q", "-f", "vhdx", "-o", "block_size=\(blockSize),subformat=\(subformat)", file, "20M"])
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "vhdx")
        #expect(info.subformat == subformat)
        #expect(info.virtualSize == 20 << 20)
        #expect(info.dirty == false)
        #expect(info.isSelfContained)
        #expect(info.warnings.isEmpty)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: ["on", "off"])
    func aVHDXWithEitherBlockStateAndALargerLogAgreesWithQemuImg(zero: String) throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["create", "-q", "-f", "vhdx", "-o", "block_state_zero=\(zero),log_size=2M", file, "1G"])
        try expectAgreesWithQemu(file)
        let data = try #require(try ImageInspector().inspect(path: file).formatSpecific?["data"])
        #expect(data["log-length"] == .uint(2 << 20))
    }

    /// qemu-img 7.2 makes only 512-byte logical sectors and refuses to open others; this patches
    /// the metadata item of an empty dynamic image (its BAT all zeros, so the layout change does
    /// not matter).
    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aVHDXWith4KLogicalSectorsReportsThemWhereQemuImgGivesUp() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["create", "-q", "-f", "vhdx", file, "64M"])
        var bytes = try VHDTestKit.readFile(file)
        let item = try VHDXPatch.metadataItem(bytes, VHDXMetadata.logicalSectorGUID)
        VHDTestKit.putLE(&bytes, item, 4096, width: 4)
        try VHDTestKit.writeFile(file, bytes)
        #expect(throws: (any Error).self) { try QemuImg.info(file) }
        let info = try ImageInspector().inspect(path: file)
        #expect(info.virtualSize == 64 << 20)
        #expect(info.formatSpecific?["data"]?["logical-sector-size"] == .uint(4096))
        let disk = try ImageInspector().openGuest(path: file).disk
        #expect(try disk.read(at: 0, count: 4096) == [UInt8](repeating: 0, count: 4096))
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aVHDXWithANonEmptyLogWarnsThatItMustBeReplayedWhileItsDirtyFlagStaysAsQemuPrintsIt() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["create", "-q", "-f", "vhdx", file, "64M"])
        var bytes = try VHDTestKit.readFile(file)
        for header in [64 << 10, 128 << 10] {
            bytes[header + 48] = 0x42
            VHDTestKit.fixVHDXChecksum(&bytes, structure: header, length: 4096)
        }
        let info = try ImageInspector().inspectHeader(MemoryByteSource(bytes), filename: "disk.vhdx")
        #expect(info.dirty == false)
        #expect(info.warnings.contains { $0.contains("must be replayed") })
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func oneDamagedHeaderIsAWarningAndTheOtherIsUsed() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["create", "-q", "-f", "vhdx", file, "64M"])
        var bytes = try VHDTestKit.readFile(file)
        bytes[(128 << 10) + 100] ^= 0xFF
        let info = try ImageInspector().inspectHeader(MemoryByteSource(bytes), filename: "disk.vhdx")
        #expect(info.corrupt)
        #expect(info.warnings.contains { $0.contains("offset 131072 fails its CRC-32C checksum") })
        #expect(info.virtualSize == 64 << 20)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDamagedRegionTableFallsBackToItsCopy() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["create", "-q", "-f", "vhdx", file, "64M"])
        var bytes = try VHDTestKit.readFile(file)
        bytes[(192 << 10) + 40] ^= 0xFF
        let info = try ImageInspector().inspectHeader(MemoryByteSource(bytes), filename: "disk.vhdx")
        #expect(info.corrupt)
        #expect(info.warnings.contains { $0.contains("using its copy at offset 262144") })
        #expect(info.virtualSize == 64 << 20)
    }
}

/// Finding and patching VHDX structures in a file made by qemu-img.
enum VHDXPatch {
    /// The region table entry (its offset in the file) and region for `guid`.
    static func region(_ bytes: [UInt8], _ guid: String) throws -> (entry: Int, offset: Int, length: Int) {
        let table = ByteWindow(Array(bytes[(192 << 10)..<(256 << 10)]), at: 192 << 10)
        for index in 0..<Int(VHDTestKit.getLE(bytes, (192 << 10) + 8, width: 4)) {
            let at = 16 + 32 * index
            if try table.guidMixedEndian(at) == guid {
                return ((192 << 10) + at, Int(try table.u64le(at + 16)), Int(try table.u32le(at + 24)))
            }
        }
        throw TestFailure("no region \(guid)")
    }

    /// The metadata table entry for `guid`, as a file offset.
    static func metadataEntry(_ bytes: [UInt8], _ guid: String) throws -> Int {
        let metadata = try region(bytes, VHDXRegionTable.metadataGUID).offset
        let window = ByteWindow(Array(bytes[metadata..<(metadata + (64 << 10))]), at: UInt64(metadata))
        for index in 0..<Int(try window.u16le(10)) where try window.guidMixedEndian(32 + 32 * index) == guid {
            return metadata + 32 + 32 * index
        }
        throw TestFailure("no metadata item \(guid)")
    }

    /// The file offset of the metadata item `guid`.
    static func metadataItem(_ bytes: [UInt8], _ guid: String) throws -> Int {
        let entry = try metadataEntry(bytes, guid)
        return try region(bytes, VHDXRegionTable.metadataGUID).offset + Int(VHDTestKit.getLE(bytes, entry + 16, width: 4))
    }

    /// Writes `guid` in the mixed-endian layout at `offset`.
    static func putGUID(_ bytes: inout [UInt8], _ offset: Int, _ guid: String) {
        let hex = Array(guid.replacingOccurrences(of: "-", with: ""))
        var raw = (0..<16).map { UInt8(String(hex[(2 * $0)..<(2 * $0 + 2)]), radix: 16) ?? 0 }
        raw.replaceSubrange(0..<4, with: raw[0..<4].reversed())
        raw.replaceSubrange(4..<6, with: raw[4..<6].reversed())
        raw.replaceSubrange(6..<8, with: raw[6..<8].reversed())
        bytes.replaceSubrange(offset..<(offset + 16), with: raw)
    }
}
