import Foundation
import Testing
@testable import DiskImage

/// A raw disk with recognisable non-zero data near the start, in the middle and at the end, and
/// holes between, of a size that is not a multiple of the 64 KiB grain.
enum VMDKPattern {
    static let size = 6 * 1_048_576 + 3 * 4096 + 512

    static func disk(size: Int = size) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        let regions = [0..<300_000, 1_048_576 + 123..<1_048_576 + 70_000, 3_000_000..<3_065_536,
                       size - 200_000..<size]
        for region in regions {
            for i in region where i < size { bytes[i] = UInt8(truncatingIfNeeded: i &* 7 &+ i >> 9) | 1 }
        }
        return bytes
    }

    /// Reads all of `disk` in odd-sized chunks and compares it with `expected` (and zeros past it).
    static func expectSame(_ disk: any ByteSource, _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(disk.size >= UInt64(expected.count), sourceLocation: sourceLocation)
        var offset = 0
        let chunk = 1_048_576 - 4097
        while offset < expected.count {
            let count = min(chunk, expected.count - offset)
            let bytes = try disk.read(at: UInt64(offset), count: count)
            if bytes != Array(expected[offset..<offset + count]) {
                Issue.record("guest bytes differ in the \(count) bytes at offset \(offset)", sourceLocation: sourceLocation)
                return
            }
            offset += count
        }
        if disk.size > UInt64(expected.count) {
            let tail = try disk.read(at: UInt64(expected.count), count: Int(disk.size) - expected.count)
            #expect(tail.allSatisfy { $0 == 0 }, "the sector padding past the raw file reads as zeros", sourceLocation: sourceLocation)
        }
        // Reads that start and end inside grains, and cross grain boundaries.
        for (start, count) in [(65_535, 3), (65_000, 70_000), (1_048_576 + 100, 131_073), (expected.count - 70_001, 70_001)] {
            let bytes = try disk.read(at: UInt64(start), count: count)
            #expect(bytes == Array(expected[start..<start + count]), "read of \(count) at \(start)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct VMDKGuestTests {
    static let conversions: [String] = [
        "subformat=monolithicSparse", "subformat=monolithicSparse,zeroed_grain=on", "subformat=monolithicFlat",
        "subformat=twoGbMaxExtentSparse", "subformat=twoGbMaxExtentFlat", "subformat=streamOptimized",
    ]

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: conversions)
    func everyCreateTypeReadsBackTheRawDiskItWasConvertedFrom(options: String) throws {
        let directory = try Scratch()
        let raw = VMDKPattern.disk()
        let rawPath = try directory.write("disk.raw", raw)
        let image = directory.file("disk.vmdk")
        try QemuImg.run(["convert", "-f", "raw", "-O", "vmdk", "-o", options, rawPath, image])
        let (info, disk) = try ImageInspector().openGuest(path: image)
        #expect(info.format == "vmdk")
        try VMDKPattern.expectSame(disk, raw)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aStreamOptimizedImageWithItsGrainDirectoryAtTheEndIsReadThroughTheFooter() throws {
        let directory = try Scratch()
        let raw = VMDKPattern.disk()
        let rawPath = try directory.write("disk.raw", raw)
        let image = directory.file("stream.vmdk")
        try QemuImg.run(["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", rawPath, image])
        let patched = try VMDKFixtures.movingGrainDirectoryToFooter(Array(try Data(contentsOf: URL(fileURLWithPath: image))))
        let moved = try directory.write("moved.vmdk", patched)
        let (_, disk) = try ImageInspector().openGuest(path: moved)
        try VMDKPattern.expectSame(disk, raw)
        // qemu-img reads the same footer the same way.
        try QemuImg.run(["compare", "-f", "vmdk", "-F", "raw", moved, rawPath])
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: ["twoGbMaxExtentSparse", "twoGbMaxExtentFlat"])
    func aSplitDiskReadsAcrossTheTwoGiBExtentBoundary(subformat: String) throws {
        let directory = try Scratch()
        let rawPath = directory.file("big.raw")
        let size: UInt64 = 2_200 << 20
        try Tool.run("truncate", ["-s", String(size), rawPath])
        let boundary: UInt64 = 2 << 30
        var patches: [(UInt64, [UInt8])] = []
        for (start, count) in [(UInt64(0), 70_000), (boundary - 70_000, 140_001), (size - 1_048_576, 1_048_576)] {
            patches.append((start, (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ Int(start >> 16)) | 1 }))
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: rawPath))
        for (start, bytes) in patches {
            try handle.seek(toOffset: start)
            try handle.write(contentsOf: Data(bytes))
        }
        try handle.close()
        let image = directory.file("big.vmdk")
        try QemuImg.run(["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=\(subformat)", rawPath, image])
        let qemu = try QemuImg.info(image)
        let extents = ((qemu["format-specific"] as? [String: Any])?["data"] as? [String: Any])?["extents"] as? [[String: Any]]
        #expect(extents?.count == 2)
        #expect((extents?.first?["virtual-size"] as? NSNumber)?.uint64Value == boundary)

        let (info, disk) = try ImageInspector().openGuest(path: image)
        #expect(info.virtualSize == size)
        let raw = try FileByteSource(path: rawPath)
        for (start, count) in [(UInt64(0), 1 << 20), (boundary - 100_000, 200_000), (boundary - 1, 2),
                               (size - (1 << 20), 1 << 20), (boundary + 12_345, 99_999)] {
            let mine = try disk.read(at: start, count: count)
            #expect(mine == (try raw.read(at: start, count: count)), "\(count) bytes at \(start)")
        }
    }

    @Test(.enabled(if: QemuImg.available && Tool.exists("qemu-io"), "qemu-img or qemu-io is not installed"))
    func aLinkedCloneReadsWhatItDidNotWriteFromItsParent() throws {
        let directory = try Scratch()
        let raw = VMDKPattern.disk()
        let rawPath = try directory.write("base.raw", raw)
        let base = directory.file("base.vmdk")
        let child = directory.file("child.vmdk")
        try QemuImg.run(["convert", "-f", "raw", "-O", "vmdk", rawPath, base])
        try QemuImg.run(["create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", child], in: directory.path)
        try Tool.run("qemu-io", ["-f", "vmdk", "-c", "write -P 0xa5 65536 131072", "-c", "write -z 2097152 65536",
                                    "-c", "write -P 0x3c 6291000 1000", child])
        let flattened = directory.file("child.raw")
        try QemuImg.run(["convert", "-f", "vmdk", "-O", "raw", child, flattened])
        let expected = Array(try Data(contentsOf: URL(fileURLWithPath: flattened)))
        #expect(expected != raw, "the clone holds data of its own")
        let (info, disk) = try ImageInspector().openGuest(path: child)
        #expect(info.backingFilename == "base.vmdk")
        #expect(info.backingChain.count == 1)
        try VMDKPattern.expectSame(disk, expected)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aLinkedCloneWhoseParentChangedIsRefused() throws {
        let directory = try Scratch()
        let base = directory.file("base.vmdk")
        let child = directory.file("child.vmdk")
        try QemuImg.run(["create", "-f", "vmdk", base, "1M"])
        try QemuImg.run(["create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", child], in: directory.path)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: base)))
        let text = Array("CID=".utf8)
        let at = try #require((512..<2048).first { Array(bytes[$0..<$0 + 4]) == text })
        bytes[at + 4] = bytes[at + 4] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try directory.write("base.vmdk", bytes)
        let error = try #require(throws: ImageError.self) { try ImageInspector().openGuest(path: child) }
        #expect(error.message.contains("parentCID"))
        #expect(error.kind == .invalid && error.file != nil, "\(error.kind): \(error)")
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aHandWrittenDescriptorReadsFlatZeroAndSparseExtentsInOrder() throws {
        let directory = try Scratch()
        let first = (0..<(4 * 512 + 1024)).map { UInt8(truncatingIfNeeded: $0 * 3) | 1 }
        try directory.write("a.bin", first)
        let sparseRaw = (0..<(128 * 1024)).map { UInt8(truncatingIfNeeded: $0 >> 3) | 0x80 }
        let sparseRawPath = try directory.write("s.raw", sparseRaw)
        try QemuImg.run(["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", sparseRawPath,
                         directory.file("s.vmdk")])
        let descriptor = """
            # Disk DescriptorFile
            version=1
            CID=12345678
            parentCID=ffffffff
            createType="custom"

            RW 4 FLAT "a.bin" 2
            RW 3 ZERO
            RDONLY 256 SPARSE "s-s001.vmdk"

            ddb.adapterType = "ide"

            """
        let path = try directory.write("disk.vmdk", Array(descriptor.utf8))
        let (info, disk) = try ImageInspector().openGuest(path: path)
        #expect(info.virtualSize == UInt64((4 + 3 + 256) * 512))
        let expected = Array(first[1024..<(1024 + 2048)]) + [UInt8](repeating: 0, count: 3 * 512) + sparseRaw
        #expect(try disk.read(at: 0, count: expected.count) == expected)
        #expect(try disk.read(at: 2047, count: 2) == [first[1024 + 2047], 0])
        #expect(try disk.read(at: 3583, count: 3) == [0] + sparseRaw[0..<2])
    }
}
