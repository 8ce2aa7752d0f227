import Foundation
import Testing
@testable import DiskImage

/// Damaged VHDX files, made by patching real ones from qemu-img in memory: each gives a clean
/// ImageError naming the field or offset, or a warning, and never traps.
@Suite struct VHDXHostileTests {
    static let qemu = QemuImg.available
    static let regionTable = 192 << 10

    /// An empty 64 MiB dynamic VHDX from qemu-img (log at 1 MiB, BAT at 2 MiB, metadata at 3 MiB).
    static func emptyVHDX() throws -> [UInt8] {
        let directory = try Scratch()
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["create", "-q", "-f", "vhdx", file, "64M"])
        return try VHDTestKit.readFile(file)
    }

    static func inspect(_ bytes: [UInt8]) throws -> ImageInfo {
        try VHDXFormat.inspect(MemoryByteSource(bytes), context: InspectContext(filename: "disk.vhdx", resolver: nil))
    }

    static func expectError(_ bytes: [UInt8], _ kind: ImageError.Kind, mentioning text: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        VHDTestKit.expectError(kind, mentioning: text, sourceLocation: sourceLocation) { try inspect(bytes) }
    }

    /// Rewrites both region tables' checksums after a patch to the first.
    static func copyRegionTable(_ bytes: inout [UInt8]) {
        VHDTestKit.fixVHDXChecksum(&bytes, structure: regionTable, length: 64 << 10)
        bytes.replaceSubrange((256 << 10)..<(320 << 10), with: bytes[regionTable..<(regionTable + (64 << 10))])
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"),
          arguments: [0, 7, 100, 65536, 65536 + 100, 131072 + 100, 196608 + 100, 262144 + 100, (3 << 20) + 100, (3 << 20) + 65540])
    func aVHDXCutShortAtAStructureBoundaryIsACleanError(cut: Int) throws {
        let bytes = try Self.emptyVHDX()
        #expect(throws: ImageError.self) { try Self.inspect(Array(bytes[0..<cut])) }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func bothHeadersCorruptIsAnErrorNamingBoth() throws {
        var bytes = try Self.emptyVHDX()
        bytes[(64 << 10) + 200] ^= 0xFF
        bytes[(128 << 10)] = 0
        Self.expectError(bytes, .checksum, mentioning: "no valid VHDX header: header at offset 65536 fails its CRC-32C checksum; "
                         + "header at offset 131072 has no \"head\" signature")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aHeaderOfAnotherVersionIsNotValid() throws {
        var bytes = try Self.emptyVHDX()
        for header in [64 << 10, 128 << 10] {
            VHDTestKit.putLE(&bytes, header + 66, 2, width: 2)
            VHDTestKit.fixVHDXChecksum(&bytes, structure: header, length: 4096)
        }
        Self.expectError(bytes, .unsupported, mentioning: "has version 2, not 1")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func bothRegionTablesCorruptIsAnError() throws {
        var bytes = try Self.emptyVHDX()
        bytes[Self.regionTable + 20] ^= 0xFF
        bytes[(256 << 10) + 20] ^= 0xFF
        Self.expectError(bytes, .checksum, mentioning: "region tables at offsets 196608 and 262144")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [2048, 3000, 0xFFFF_FFFF])
    func aRegionEntryCountOver2047IsRefused(count: Int) throws {
        var bytes = try Self.emptyVHDX()
        VHDTestKit.putLE(&bytes, Self.regionTable + 8, UInt64(count), width: 4)
        Self.copyRegionTable(&bytes)
        Self.expectError(bytes, .outOfRange, mentioning: "region table entry count at offset 196616")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func anUnknownRequiredRegionIsRefused() throws {
        var bytes = try Self.emptyVHDX()
        let entry = try VHDXPatch.region(bytes, VHDXRegionTable.batGUID).entry
        bytes[entry] ^= 0xFF
        VHDTestKit.putLE(&bytes, entry + 28, 1, width: 4)
        Self.copyRegionTable(&bytes)
        Self.expectError(bytes, .unsupported, mentioning: "is unknown")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func overlappingRegionsAreRefused() throws {
        var bytes = try Self.emptyVHDX()
        let bat = try VHDXPatch.region(bytes, VHDXRegionTable.batGUID)
        let metadata = try VHDXPatch.region(bytes, VHDXRegionTable.metadataGUID)
        VHDTestKit.putLE(&bytes, bat.entry + 16, UInt64(metadata.offset), width: 8)
        Self.copyRegionTable(&bytes)
        Self.expectError(bytes, .outOfRange, mentioning: "overlaps")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aBATRegionTooSmallForTheDiskIsRefused() throws {
        var bytes = try Self.emptyVHDX()
        let bat = try VHDXPatch.region(bytes, VHDXRegionTable.batGUID)
        VHDTestKit.putLE(&bytes, bat.entry + 24, 8, width: 4)
        Self.copyRegionTable(&bytes)
        Self.expectError(bytes, .outOfRange, mentioning: "cannot hold the")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [UInt64(1) << 40, UInt64.max - 100])
    func aBATRegionPastTheEndOfTheFileIsNamed(offset: UInt64) throws {
        var bytes = try Self.emptyVHDX()
        let bat = try VHDXPatch.region(bytes, VHDXRegionTable.batGUID)
        VHDTestKit.putLE(&bytes, bat.entry + 16, offset, width: 8)
        Self.copyRegionTable(&bytes)
        #expect(throws: ImageError.self) { try Self.inspect(bytes) }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [2047 * 32, 1 << 20, 0xFFFF_FFF0])
    func aMetadataItemOutsideItsRegionIsNamed(offset: Int) throws {
        var bytes = try Self.emptyVHDX()
        let entry = try VHDXPatch.metadataEntry(bytes, VHDXMetadata.virtualSizeGUID)
        VHDTestKit.putLE(&bytes, entry + 16, UInt64(offset), width: 4)
        Self.expectError(bytes, .outOfRange, mentioning: "lies outside the metadata region")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aMetadataEntryCountOver2047IsRefused() throws {
        var bytes = try Self.emptyVHDX()
        let metadata = try VHDXPatch.region(bytes, VHDXRegionTable.metadataGUID).offset
        VHDTestKit.putLE(&bytes, metadata + 10, 60000, width: 2)
        Self.expectError(bytes, .outOfRange, mentioning: "metadata entry count")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aMissingRequiredMetadataItemIsNamed() throws {
        var bytes = try Self.emptyVHDX()
        let entry = try VHDXPatch.metadataEntry(bytes, VHDXMetadata.virtualSizeGUID)
        bytes[entry] ^= 0xFF
        VHDTestKit.putLE(&bytes, entry + 24, 0, width: 4)
        Self.expectError(bytes, .invalid, mentioning: "has no virtual disk size item")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [0, 512 << 10, 3 << 20, 512 << 20])
    func aBlockSizeOutOfRangeOrNotAPowerOfTwoIsNamed(blockSize: Int) throws {
        var bytes = try Self.emptyVHDX()
        let item = try VHDXPatch.metadataItem(bytes, VHDXMetadata.fileParametersGUID)
        VHDTestKit.putLE(&bytes, item, UInt64(blockSize), width: 4)
        Self.expectError(bytes, .outOfRange, mentioning: "VHDX block size at offset \(item)")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [UInt64(1) << 60, UInt64.max])
    func anAbsurdVirtualSizeIsRefused(size: UInt64) throws {
        var bytes = try Self.emptyVHDX()
        let item = try VHDXPatch.metadataItem(bytes, VHDXMetadata.virtualSizeGUID)
        VHDTestKit.putLE(&bytes, item, size, width: 8)
        Self.expectError(bytes, .outOfRange, mentioning: "more than 64 TiB")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [0, 1024, 8192])
    func aLogicalSectorSizeOtherThan512Or4096IsNamed(sectorSize: Int) throws {
        var bytes = try Self.emptyVHDX()
        let item = try VHDXPatch.metadataItem(bytes, VHDXMetadata.logicalSectorGUID)
        VHDTestKit.putLE(&bytes, item, UInt64(sectorSize), width: 4)
        Self.expectError(bytes, .outOfRange, mentioning: "logical sector size at offset \(item)")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aHasParentBitWithoutAParentLocatorIsNamed() throws {
        var bytes = try Self.emptyVHDX()
        let item = try VHDXPatch.metadataItem(bytes, VHDXMetadata.fileParametersGUID)
        bytes[item + 4] |= 2
        Self.expectError(bytes, .invalid, mentioning: "has no parent locator")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aPresentBlockPastTheEndOfTheFileIsAWarningAndReadsAsZeros() throws {
        let directory = try Scratch()
        let raw = try directory.write("disk.raw", VHDTestKit.pattern(size: 4 << 20))
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["convert", "-O", "vhdx", "-o", "block_size=1M", raw, file])
        var bytes = try VHDTestKit.readFile(file)
        let bat = try VHDXPatch.region(bytes, VHDXRegionTable.batGUID).offset
        VHDTestKit.putLE(&bytes, bat, (1 << 40) | 6, width: 8)
        VHDTestKit.putLE(&bytes, bat + 8, 0xFFFF_FFFF_FFF0_0006, width: 8)
        let info = try Self.inspect(bytes)
        #expect(info.corrupt)
        #expect(info.warnings.contains { $0.contains("past the end of the file") })
        let disk = try VHDXFormat.openGuest(MemoryByteSource(bytes), info: info,
                                            context: InspectContext(filename: "disk.vhdx", resolver: nil), backing: nil)
        #expect(try disk.read(at: 0, count: 4096) == [UInt8](repeating: 0, count: 4096))
        #expect(throws: ImageError.self) { try disk.read(at: 1 << 20, count: 4096) }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aPartiallyPresentBlockWithoutAParentIsAnErrorOnRead() throws {
        let directory = try Scratch()
        let raw = try directory.write("disk.raw", VHDTestKit.pattern(size: 4 << 20))
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["convert", "-O", "vhdx", "-o", "block_size=1M", raw, file])
        var bytes = try VHDTestKit.readFile(file)
        let bat = try VHDXPatch.region(bytes, VHDXRegionTable.batGUID).offset
        bytes[bat] |= 7
        let info = try Self.inspect(bytes)
        let disk = try VHDXFormat.openGuest(MemoryByteSource(bytes), info: info,
                                            context: InspectContext(filename: "disk.vhdx", resolver: nil), backing: nil)
        #expect(throws: ImageError.self) { try disk.read(at: 0, count: 512) }
    }
}
