import Foundation
import Testing
@testable import DiskImage

/// Damaged VHDs, made by patching real ones from qemu-img in memory: each gives a clean
/// ImageError naming the field or offset, or a warning, and never traps.
@Suite struct VHDHostileTests {
    static let qemu = QemuImg.available

    /// An empty 10 MiB dynamic VHD from qemu-img: footer 0..<512, dynamic header 512..<1536, a
    /// six-entry BAT at 1536, the footer again at the end.
    static func dynamicVHD() throws -> [UInt8] {
        let directory = try Scratch()
        let file = directory.file("disk.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", file, "10M"])
        return try VHDTestKit.readFile(file)
    }

    static func inspect(_ bytes: [UInt8]) throws -> ImageInfo {
        try VHDFormat.inspect(MemoryByteSource(bytes), context: InspectContext(filename: "disk.vhd", resolver: nil))
    }

    static func expectError(_ bytes: [UInt8], _ kind: ImageError.Kind, mentioning text: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        VHDTestKit.expectError(kind, mentioning: text, sourceLocation: sourceLocation) { try inspect(bytes) }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [0, 8, 300, 511, 600, 1024, 1535, 1550])
    func aDynamicVHDCutShortAtAHeaderBoundaryIsACleanError(cut: Int) throws {
        let bytes = try Self.dynamicVHD()
        #expect(throws: ImageError.self) { try Self.inspect(Array(bytes[0..<cut])) }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aWrongDynamicHeaderCookieIsNamed() throws {
        var bytes = try Self.dynamicVHD()
        bytes[512] = UInt8(ascii: "X")
        Self.expectError(bytes, .badMagic, mentioning: "dynamic header cookie at offset 512")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [0, 256, 3000, 0x8000_0001])
    func aBlockSizeThatIsNotAPowerOfTwoOfAtLeast512IsNamed(blockSize: Int) throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 512 + 32, UInt64(blockSize), width: 4)
        Self.expectError(bytes, .outOfRange, mentioning: "VHD block size at offset 544")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [10_000_000, 0xFFFF_FFFF])
    func maxTableEntriesInTheMillionsAreRefused(entries: Int) throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 512 + 28, UInt64(entries), width: 4)
        Self.expectError(bytes, .outOfRange, mentioning: "max table entries at offset 540")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func tooFewTableEntriesForTheDiskAreRefused() throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 512 + 28, 2, width: 4)
        Self.expectError(bytes, .outOfRange, mentioning: "cannot hold the disk's")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [1000, 100_000])
    func aTableThatRunsPastTheEndOfTheFileIsNamed(entries: Int) throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 512 + 28, UInt64(entries), width: 4)
        Self.expectError(bytes, .truncated, mentioning: "lie past the end of the file")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [UInt64(1) << 40, UInt64.max - 2])
    func aTableOffsetPastTheEndOfTheFileIsNamed(offset: UInt64) throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 512 + 16, offset, width: 8)
        Self.expectError(bytes, .truncated, mentioning: "block allocation table at offset 528")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [UInt64(1) << 40, UInt64.max])
    func aDynamicHeaderOffsetPastTheEndOfTheFileIsNamed(offset: UInt64) throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 16, offset, width: 8)
        Self.expectError(bytes, .truncated, mentioning: "dynamic header offset at offset 16")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [0, 1, 5, 0xFFFF_FFFF])
    func anUnknownDiskTypeIsNamed(type: Int) throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 60, UInt64(type), width: 4)
        Self.expectError(bytes, .outOfRange, mentioning: "disk type at offset 60")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aSizeBeyondTheVHDMaximumIsRefused() throws {
        var bytes = try Self.dynamicVHD()
        bytes.replaceSubrange(28..<32, with: Array("qem2".utf8))
        VHDTestKit.putBE(&bytes, 48, 3 << 40, width: 8)
        Self.expectError(bytes, .outOfRange, mentioning: "larger than the VHD maximum")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aBlockPastTheEndOfTheFileIsAWarningAndItsReadIsAnError() throws {
        let directory = try Scratch()
        let raw = try directory.write("disk.raw", VHDTestKit.pattern(size: 4 << 20))
        let file = directory.file("disk.vhd")
        try QemuImg.run(["convert", "-O", "vpc", raw, file])
        var bytes = try VHDTestKit.readFile(file)
        let table = Int(VHDTestKit.getBE(bytes, 512 + 16, width: 8))
        VHDTestKit.putBE(&bytes, table, 0x00FF_FFFF, width: 4)
        let info = try Self.inspect(bytes)
        #expect(info.corrupt)
        #expect(info.warnings.contains { $0.contains("past the end of the file") })
        let disk = try VHDFormat.openGuest(MemoryByteSource(bytes), info: info,
                                           context: InspectContext(filename: "disk.vhd", resolver: nil), backing: nil)
        #expect(throws: ImageError.self) { try disk.read(at: 0, count: 4096) }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aTruncatedFixedVHDHasNoFooterLeftAndIsNotVpc() throws {
        let directory = try Scratch()
        let file = directory.file("fixed.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", "-o", "subformat=fixed,force_size=on", file, "1M"])
        let bytes = try VHDTestKit.readFile(file)
        let cut = MemoryByteSource(Array(bytes[0..<(bytes.count - 100)]))
        #expect(try ImageInspector.probe(cut, filename: "fixed.vhd") == RawFormat.self)
        Self.expectError(Array(bytes[0..<(bytes.count - 100)]), .badMagic, mentioning: "footer cookie")
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aFixedDiskTypeInTheFooterCopyAtOffsetZeroIsNamed() throws {
        var bytes = try Self.dynamicVHD()
        VHDTestKit.putBE(&bytes, 60, 2, width: 4)
        Self.expectError(bytes, .invalid, mentioning: "disk type at offset 60")
    }
}
