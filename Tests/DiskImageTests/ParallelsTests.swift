import Foundation
import Testing
@testable import DiskImage

@Suite struct ParallelsTests {
    static let variants: [(String, String)] = [
        ("1M", ""), ("1000", ""), ("10G", ""), ("1T", ""), ("3M", "cluster_size=4096"),
        ("5M", "cluster_size=64K"), ("7M", "cluster_size=2M"),
    ]

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: variants)
    func anEmptyParallelsImageAgreesWithQemuImg(size: String, options: String) throws {
        let directory = try Scratch()
        let file = directory.file("disk.hdd")
        try QemuImg.run(["create", "-f", "parallels"] + (options.isEmpty ? [] : ["-o", options]) + [file, size])
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "parallels")
        #expect(info.dirty == nil)  // clean, and qemu-img prints no dirty flag for parallels
        #expect(info.isSelfContained)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func theClusterSizeComesFromTheSectorsPerTrack() throws {
        let directory = try Scratch()
        let file = directory.file("disk.hdd")
        try QemuImg.run(["create", "-f", "parallels", "-o", "cluster_size=64K", file, "5M"])
        let info = try ImageInspector().inspect(path: file)
        #expect(info.clusterSize == 65536)
        #expect(info.virtualSize == 5 << 20)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"),
          arguments: ["", "cluster_size=4096", "cluster_size=64K", "cluster_size=2M"])
    func theGuestOfAConvertedParallelsImageEqualsTheRawDisk(options: String) throws {
        let directory = try Scratch()
        let pattern = LegacyDisk.pattern(size: (8 << 20) + 7 * 512)
        let raw = try directory.write("disk.raw", pattern)
        let image = directory.file("disk.hdd")
        try QemuImg.run(["convert", "-O", "parallels"] + (options.isEmpty ? [] : ["-o", options]) + [raw, image])
        try expectAgreesWithQemu(image)
        try LegacyDisk.expectGuestEquals(image, pattern)
    }

    /// The original "WithoutFreeSpace" layout counts BAT entries in sectors, not clusters: turn a
    /// converted image into one by rewriting the signature and scaling each BAT entry.
    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func theGuestOfAnOldSignatureImageUsesSectorOffsets() throws {
        let directory = try Scratch()
        let pattern = LegacyDisk.pattern(size: 4 << 20, seed: 9)
        let raw = try directory.write("disk.raw", pattern)
        let image = directory.file("old.hdd")
        try QemuImg.run(["convert", "-O", "parallels", "-o", "cluster_size=64K", raw, image])
        var bytes = try LegacyDisk.bytes(image)
        bytes.replaceSubrange(0..<16, with: Array("WithoutFreeSpace".utf8))
        let tracks = 128
        let entries = Int(bytes[32]) | Int(bytes[33]) << 8 | Int(bytes[34]) << 16 | Int(bytes[35]) << 24
        for i in 0..<entries {
            let at = 64 + i * 4
            let value = UInt64(bytes[at]) | UInt64(bytes[at + 1]) << 8 | UInt64(bytes[at + 2]) << 16 | UInt64(bytes[at + 3]) << 24
            bytes = LegacyDisk.patched(bytes, at: at, value * UInt64(tracks), width: 4, bigEndian: false)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: image))
        try expectAgreesWithQemu(image)
        try QemuImg.run(["compare", "-f", "raw", "-F", "parallels", raw, image])
        try LegacyDisk.expectGuestEquals(image, pattern)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func anImageNotClosedCleanlyIsDirty() throws {
        let directory = try Scratch()
        let file = directory.file("dirty.hdd")
        try QemuImg.run(["create", "-f", "parallels", file, "4M"])
        let bytes = LegacyDisk.patched(try LegacyDisk.bytes(file), at: 44, 0x746F_6E59, width: 4, bigEndian: false)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.dirty == true)
        #expect(info.warnings.contains { $0.contains("not closed cleanly") })
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func readingTheHeaderOfATerabyteParallelsImageReadsOnlyAFewBytes() throws {
        let directory = try Scratch()
        let file = directory.file("big.hdd")
        try QemuImg.run(["create", "-f", "parallels", file, "1T"])
        let counting = CountingByteSource(try FileByteSource(path: file))
        let info = try ImageInspector(resolver: NoFiles()).inspectHeader(counting, filename: file)
        #expect(info.virtualSize == 1 << 40)
        #expect(counting.bytesRead <= 8192)
    }
}
