import Foundation
import Testing
@testable import DiskImage

@Suite struct VHDXGuestTests {
    static let qemu = QemuImg.available
    static let diskSize = 6 << 20

    @Test(.enabled(if: qemu, "qemu-img is not installed"),
          arguments: ["subformat=dynamic,block_size=1M", "subformat=dynamic,block_size=8M", "subformat=dynamic,block_size=32M",
                      "subformat=fixed,block_size=1M", "subformat=fixed,block_size=8M"])
    func aConvertedVHDXReadsBackByteForByte(options: String) throws {
        let directory = try Scratch()
        let raw = VHDTestKit.pattern(size: Self.diskSize)
        let rawFile = try directory.write("disk.raw", raw)
        let file = directory.file("disk.vhdx")
        try QemuImg.run(["convert", "-O", "vhdx", "-o", options, rawFile, file])
        let (info, disk) = try ImageInspector().openGuest(path: file)
        #expect(info.format == "vhdx")
        #expect(disk.size == UInt64(Self.diskSize))
        try VHDTestKit.expectSameGuest(disk, raw, blockSize: Int(info.clusterSize ?? 0))
    }

    /// qemu-img cannot make a differencing VHDX, so this patches one made by qemu-img (1 MiB
    /// blocks): the has-parent bit, a parent locator item, and BAT entries in every state:
    /// block 0 partially present (sectors 0..<64 left to the parent) with a sector bitmap block
    /// appended to the file, block 2 zero, blocks 1, 3 and 5 not present, block 4 fully present.
    static func makeDifferencing(in directory: Scratch) throws -> (child: String, expected: [UInt8]) {
        let size = Self.diskSize
        let parentRaw = VHDTestKit.pattern(size: size)
        var childRaw = [UInt8](repeating: 0, count: size)
        for i in 0..<(1 << 20) { childRaw[i] = 0xC0 | UInt8(i % 61) }
        for i in (4 << 20)..<(5 << 20) { childRaw[i] = 0xA0 | UInt8(i % 29) }
        try QemuImg.run(["convert", "-O", "vhdx", "-o", "block_size=1M", try directory.write("parent.raw", parentRaw),
                         directory.file("parent.vhdx")])
        let child = directory.file("child.vhdx")
        try QemuImg.run(["convert", "-O", "vhdx", "-o", "block_size=1M", try directory.write("child.raw", childRaw), child])
        var bytes = try VHDTestKit.readFile(child)
        bytes += [UInt8](repeating: 0, count: (1 << 20) - bytes.count % (1 << 20))
        let bitmapOffset = bytes.count
        bytes += [UInt8](repeating: 0, count: 1 << 20)
        for sector in 64..<2048 { bytes[bitmapOffset + sector / 8] |= 1 << UInt8(sector % 8) }
        let bat = try VHDXPatch.region(bytes, VHDXRegionTable.batGUID).offset
        let block0 = VHDTestKit.getLE(bytes, bat, width: 8) & ~0xFFFFF
        VHDTestKit.putLE(&bytes, bat, block0 | 7, width: 8)
        for block in [1, 3, 5] { VHDTestKit.putLE(&bytes, bat + 8 * block, 0, width: 8) }
        VHDTestKit.putLE(&bytes, bat + 8 * 2, 2, width: 8)
        #expect(VHDTestKit.getLE(bytes, bat + 8 * 4, width: 8) & 7 == 6)
        // The chunk ratio at 1 MiB blocks and 512-byte sectors is 4096: the bitmap entry follows 4096 payload entries.
        VHDTestKit.putLE(&bytes, bat + 8 * 4096, UInt64(bitmapOffset) | 6, width: 8)
        let parameters = try VHDXPatch.metadataItem(bytes, VHDXMetadata.fileParametersGUID)
        bytes[parameters + 4] |= 2
        let metadata = try VHDXPatch.region(bytes, VHDXRegionTable.metadataGUID).offset
        let count = Int(VHDTestKit.getLE(bytes, metadata + 10, width: 2))
        let locator = Self.parentLocator(["parent_linkage": "{0000-parent}", "relative_path": ".\\parent.vhdx"])
        let entry = metadata + 32 + 32 * count
        VHDXPatch.putGUID(&bytes, entry, VHDXMetadata.parentLocatorGUID)
        VHDTestKit.putLE(&bytes, entry + 16, 512 << 10, width: 4)
        VHDTestKit.putLE(&bytes, entry + 20, UInt64(locator.count), width: 4)
        VHDTestKit.putLE(&bytes, entry + 24, 4, width: 4)
        VHDTestKit.putLE(&bytes, metadata + 10, UInt64(count + 1), width: 2)
        bytes.replaceSubrange((metadata + (512 << 10))..<(metadata + (512 << 10) + locator.count), with: locator)
        try VHDTestKit.writeFile(child, bytes)
        var expected = parentRaw
        for i in (64 * 512)..<(1 << 20) { expected[i] = childRaw[i] }
        for i in (2 << 20)..<(3 << 20) { expected[i] = 0 }
        for i in (4 << 20)..<(5 << 20) { expected[i] = childRaw[i] }
        return (child, expected)
    }

    /// A VHDX parent locator: the VHDX locator type, then key/value entries of UTF-16LE text.
    static func parentLocator(_ pairs: KeyValuePairs<String, String>) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 20 + 12 * pairs.count)
        VHDXPatch.putGUID(&bytes, 0, VHDXMetadata.vhdxParentLocatorType)
        VHDTestKit.putLE(&bytes, 18, UInt64(pairs.count), width: 2)
        for (index, pair) in pairs.enumerated() {
            let key = VHDTestKit.utf16LE(pair.key)
            let value = VHDTestKit.utf16LE(pair.value)
            VHDTestKit.putLE(&bytes, 20 + 12 * index, UInt64(bytes.count), width: 4)
            VHDTestKit.putLE(&bytes, 20 + 12 * index + 8, UInt64(key.count), width: 2)
            bytes += key
            VHDTestKit.putLE(&bytes, 20 + 12 * index + 4, UInt64(bytes.count), width: 4)
            VHDTestKit.putLE(&bytes, 20 + 12 * index + 10, UInt64(value.count), width: 2)
            bytes += value
        }
        return bytes
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDifferencingVHDXNamesItsParentLocator() throws {
        let directory = try Scratch()
        let (child, _) = try Self.makeDifferencing(in: directory)
        let info = try ImageInspector().inspect(path: child)
        #expect(info.format == "vhdx")
        #expect(info.subformat == "differencing")
        #expect(info.parentReference == ".\\parent.vhdx")
        #expect(!info.isSelfContained)
        let locator = info.formatSpecific?["data"]?["parent-locator"]
        #expect(locator?["parent_linkage"] == .string("{0000-parent}"))
        #expect(info.warnings.isEmpty)
        // qemu-img 7.2 refuses differencing VHDX files altogether.
        #expect(throws: (any Error).self) { try QemuImg.info(child) }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDifferencingVHDXReadsEachBlockStateFromTheRightPlace() throws {
        let directory = try Scratch()
        let (child, expected) = try Self.makeDifferencing(in: directory)
        let (_, disk) = try ImageInspector().openGuest(path: child)
        try VHDTestKit.expectSameGuest(disk, expected, blockSize: 1 << 20)
    }
}
