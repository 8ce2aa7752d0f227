import Foundation
import Testing
@testable import DiskImage

@Suite struct QEDTests {
    /// (size, options) pairs qemu-img creates; options empty for the defaults.
    static let variants: [(String, String)] = [
        ("1M", ""), ("1000", ""), ("10G", ""), ("1T", ""),
        ("5M", "cluster_size=4096"), ("5M", "cluster_size=4096,table_size=2"),
        ("100M", "cluster_size=1M,table_size=16"), ("3M", "table_size=2"),
    ]

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: variants)
    func anEmptyQedAgreesWithQemuImg(size: String, options: String) throws {
        let directory = try Scratch()
        let file = directory.file("disk.qed")
        try QemuImg.run(["create", "-f", "qed"] + (options.isEmpty ? [] : ["-o", options]) + [file, size])
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "qed")
        #expect(info.dirty == false)
        #expect(info.isSelfContained)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aQedOverAQcow2NamesItsBackingFileWithoutAFormat() throws {
        let directory = try Scratch()
        try QemuImg.run(["create", "-f", "qcow2", "base.qcow2", "8M"], in: directory.path)
        try QemuImg.run(["create", "-f", "qed", "-b", "base.qcow2", "-F", "qcow2", "top.qed"], in: directory.path)
        let top = directory.file("top.qed")
        try expectAgreesWithQemu(top)
        let info = try ImageInspector().inspect(path: top)
        #expect(info.backingFilename == "base.qcow2")
        #expect(info.backingFormat == nil)  // QED records only "raw, do not probe"
        #expect(info.virtualSize == 8 << 20)
        #expect(!info.isSelfContained)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aQedOverARawFileRecordsTheRawBackingFormat() throws {
        let directory = try Scratch()
        let pattern = LegacyDisk.pattern(size: 5 << 20, seed: 11)
        try directory.write("base.raw", pattern)
        try QemuImg.run(["create", "-f", "qed", "-b", "base.raw", "-F", "raw", "top.qed"], in: directory.path)
        let top = directory.file("top.qed")
        try expectAgreesWithQemu(top)
        let info = try ImageInspector().inspect(path: top)
        #expect(info.backingFormat == "raw")
        #expect(info.backingFilename == "base.raw")
        try LegacyDisk.expectGuestEquals(top, pattern)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"),
          arguments: ["", "cluster_size=4096", "cluster_size=4096,table_size=2", "cluster_size=1M"])
    func theGuestOfAConvertedQedEqualsTheRawDisk(options: String) throws {
        let directory = try Scratch()
        let pattern = LegacyDisk.pattern(size: (9 << 20) + 5 * 512)
        let raw = try directory.write("disk.raw", pattern)
        let image = directory.file("disk.qed")
        try QemuImg.run(["convert", "-O", "qed"] + (options.isEmpty ? [] : ["-o", options]) + [raw, image])
        try expectAgreesWithQemu(image)
        try LegacyDisk.expectGuestEquals(image, pattern)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: ["", "cluster_size=4096"])
    func theGuestOfAQedOverAQedReadsUnwrittenClustersFromTheBase(options: String) throws {
        let directory = try Scratch()
        let size = 6 << 20
        var expected = LegacyDisk.pattern(size: size, seed: 5)
        try directory.write("base.raw", expected)
        let opts = options.isEmpty ? [] : ["-o", options]
        try QemuImg.run(["convert", "-O", "qed"] + opts + ["base.raw", "base.qed"], in: directory.path)
        try QemuImg.run(["create", "-f", "qed"] + opts + ["-b", "base.qed", "-F", "qed", "top.qed"], in: directory.path)
        let top = directory.file("top.qed")
        for (offset, length) in [(1000, 3000), (1 << 20 - 100, 5000), (3_000_000, 70_000), (size - 2048, 1024)] {
            try Tool.run("qemu-io", ["-f", "qed", "-c", "write -P 0x5a \(offset) \(length)", top])
            expected.replaceSubrange(offset..<(offset + length), with: repeatElement(0x5A, count: length))
        }
        try expectAgreesWithQemu(top)
        #expect(try ImageInspector().inspect(path: top).backingChain.map(\.format) == ["qed"])
        try LegacyDisk.expectGuestEquals(top, expected)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func zeroClustersInAQedReadAsZerosEvenOverABackingFile() throws {
        let directory = try Scratch()
        let pattern = LegacyDisk.pattern(size: 2 << 20, seed: 2)
        try directory.write("base.raw", pattern)
        try QemuImg.run(["create", "-f", "qed", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw", "top.qed"],
                        in: directory.path)
        let top = directory.file("top.qed")
        try Tool.run("qemu-io", ["-f", "qed", "-c", "write -z 8192 8192", top])
        var expected = pattern
        expected.replaceSubrange(8192..<16384, with: repeatElement(0, count: 8192))
        try LegacyDisk.expectGuestEquals(top, expected)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aQedLeftNeedingACheckIsReportedAsQemuImgDoesWithAWarning() throws {
        let directory = try Scratch()
        let file = directory.file("dirty.qed")
        try QemuImg.run(["create", "-f", "qed", file, "4M"])
        let bytes = try LegacyDisk.bytes(file)
        try Data(LegacyDisk.patched(bytes, at: 16, 2, width: 8, bigEndian: false)).write(to: URL(fileURLWithPath: file))
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.dirty == false)
        #expect(info.warnings.contains { $0.contains("needs-check") })
        #expect(info.formatSpecific?["data"]?["needs-check"] == .bool(true))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aQedThatIsItsOwnBackingFileIsABackingLoop() throws {
        let directory = try Scratch()
        try QemuImg.run(["create", "-f", "qed", "loopB.qed", "1M"], in: directory.path)
        try QemuImg.run(["create", "-f", "qed", "-b", "loopB.qed", "-F", "qed", "loopA.qed"], in: directory.path)
        try LegacyDisk.expectSelfBackingIsALoop(directory.file("loopA.qed"), storedName: "loopB.qed")
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func readingTheHeaderOfATerabyteQedReadsOnlyAFewBytes() throws {
        let directory = try Scratch()
        let file = directory.file("big.qed")
        try QemuImg.run(["create", "-f", "qed", file, "1T"])
        let counting = CountingByteSource(try FileByteSource(path: file))
        _ = try ImageInspector(resolver: NoFiles()).inspectHeader(counting, filename: file)
        #expect(counting.bytesRead <= 8192)
    }
}
