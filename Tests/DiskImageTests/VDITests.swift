import Foundation
import Testing
@testable import DiskImage

@Suite struct VDITests {
    static let variants: [(String, Bool)] = [
        ("1M", false), ("1000", false), ("10G", false), ("1T", false),
        ("1M", true), ("1000", true), ("3M", true), ("5000K", true),
    ]

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: variants)
    func anEmptyVDIAgreesWithQemuImg(size: String, fixed: Bool) throws {
        let directory = try Scratch()
        let file = directory.file("disk.vdi")
        try QemuImg.run(["create", "-f", "vdi", "-o", "static=\(fixed ? "on" : "off")", file, size])
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "vdi")
        #expect(info.subformat == (fixed ? "static" : "dynamic"))
        #expect(info.clusterSize == 1 << 20)
        #expect(info.dirty == false)
        #expect(info.isSelfContained)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: [false, true])
    func theGuestOfAConvertedVDIEqualsTheRawDisk(fixed: Bool) throws {
        let directory = try Scratch()
        let pattern = LegacyDisk.pattern(size: (9 << 20) + 9 * 512)
        let raw = try directory.write("disk.raw", pattern)
        let image = directory.file("disk.vdi")
        try QemuImg.run(["convert", "-O", "vdi", "-o", "static=\(fixed ? "on" : "off")", raw, image])
        try expectAgreesWithQemu(image)
        try LegacyDisk.expectGuestEquals(image, pattern)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func theUUIDsReadTheWayQemuWritesThem() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vdi")
        try QemuImg.run(["create", "-f", "vdi", file, "2M"])
        let info = try ImageInspector().inspect(path: file)
        let uuid = try #require(info.formatSpecific?["data"]?["uuid"]?.stringValue)
        // qemu stores a random (version 4) UUID with its first three fields little-endian, as
        // VirtualBox does: the version nibble is the first of the third group once decoded.
        let groups = uuid.split(separator: "-")
        #expect(groups.count == 5)
        #expect(groups[2].first == "4")
        #expect(info.formatSpecific?["data"]?["parent-uuid"]?.stringValue == "00000000-0000-0000-0000-000000000000")
    }

    /// qemu-img cannot make a differencing VDI: patch a real dynamic one's image type and parent
    /// UUID, as VirtualBox would have written them.
    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aDifferencingVDIReportsItsParentUUID() throws {
        let directory = try Scratch()
        let file = directory.file("child.vdi")
        try QemuImg.run(["create", "-f", "vdi", file, "8M"])
        var bytes = LegacyDisk.patched(try LegacyDisk.bytes(file), at: 0x4C, 4, width: 4, bigEndian: false)
        // Parent 01234567-89ab-cdef-0011-223344556677, first three fields little-endian.
        let parent: [UInt8] = [0x67, 0x45, 0x23, 0x01, 0xAB, 0x89, 0xEF, 0xCD,
                               0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]
        bytes.replaceSubrange(0x1B8..<0x1C8, with: parent)
        let info = try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(bytes), filename: "child.vdi")
        #expect(info.subformat == "differencing")
        #expect(info.parentReference == "parent UUID 01234567-89ab-cdef-0011-223344556677")
        #expect(!info.isSelfContained)
        #expect(info.virtualSize == 8 << 20)
        // Without the parent the guest cannot be read correctly, so koopack refuses to.
        let error = #expect(throws: ImageError.self) {
            _ = try ImageInspector(resolver: NoFiles()).openGuest(MemoryByteSource(bytes), filename: "child.vdi")
        }
        #expect(error?.message.contains("01234567-89ab-cdef-0011-223344556677") == true)
        #expect(error?.kind == .unsupported && error?.file == "child.vdi" && error?.offset == 0x4C)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aDiscardedBlockReadsAsZeros() throws {
        let directory = try Scratch()
        let pattern = LegacyDisk.pattern(size: 4 << 20, seed: 4)
        let raw = try directory.write("disk.raw", pattern)
        let image = directory.file("disk.vdi")
        try QemuImg.run(["convert", "-O", "vdi", raw, image])
        // Block 0 holds data; mark it discarded.
        let bytes = LegacyDisk.patched(try LegacyDisk.bytes(image), at: 0x200, 0xFFFF_FFFE, width: 4, bigEndian: false)
        let (_, disk) = try ImageInspector(resolver: NoFiles()).openGuest(MemoryByteSource(bytes), filename: "disk.vdi")
        #expect(try disk.read(at: 0, count: 1 << 20) == [UInt8](repeating: 0, count: 1 << 20))
        #expect(try disk.read(at: 1 << 20, count: 4096) == Array(pattern[(1 << 20)..<((1 << 20) + 4096)]))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func anOddDiskSizeRoundsUpToASectorAsQemuDoes() throws {
        let directory = try Scratch()
        let file = directory.file("odd.vdi")
        try QemuImg.run(["create", "-f", "vdi", file, "3M"])
        let bytes = LegacyDisk.patched(try LegacyDisk.bytes(file), at: 0x170, (3 << 20) - 100, width: 8, bigEndian: false)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try expectAgreesWithQemu(file)
        #expect(try ImageInspector().inspect(path: file).virtualSize == 3 << 20)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func readingTheHeaderOfATerabyteVDIReadsOnlyAFewBytes() throws {
        let directory = try Scratch()
        let file = directory.file("big.vdi")
        try QemuImg.run(["create", "-f", "vdi", file, "1T"])
        let counting = CountingByteSource(try FileByteSource(path: file))
        let info = try ImageInspector(resolver: NoFiles()).inspectHeader(counting, filename: file)
        #expect(info.virtualSize == 1 << 40)
        #expect(counting.bytesRead <= 8192)
    }
}
