import Foundation
import Testing
@testable import DiskImage

@Suite struct VHDGuestTests {
    static let qemu = QemuImg.available
    static let diskSize = 6 << 20

    @Test(.enabled(if: qemu, "qemu-img is not installed"),
          arguments: ["subformat=dynamic", "subformat=dynamic,force_size=on", "subformat=fixed", "subformat=fixed,force_size=on"])
    func aConvertedVHDReadsBackByteForByte(options: String) throws {
        let directory = try Scratch()
        let raw = VHDTestKit.pattern(size: Self.diskSize)
        let rawFile = try directory.write("disk.raw", raw)
        let file = directory.file("disk.vhd")
        try QemuImg.run(["convert", "-O", "vpc", "-o", options, rawFile, file])
        let (info, disk) = try ImageInspector().openGuest(path: file)
        #expect(info.format == "vpc")
        #expect(disk.size >= UInt64(Self.diskSize))
        if options.contains("force_size") { #expect(disk.size == UInt64(Self.diskSize)) }
        try VHDTestKit.expectSameGuest(disk, raw, blockSize: 2 << 20)
    }

    /// qemu-img cannot make a differencing VHD, so this patches a dynamic one made by qemu-img into
    /// one: disk type 4, the parent's name and a W2ru relative locator, both checksums redone;
    /// and clears the bitmap bits of the first 64 sectors of its first block.
    static func makeDifferencing(in directory: Scratch) throws -> (child: String, expected: [UInt8]) {
        let size = Self.diskSize
        let parentRaw = VHDTestKit.pattern(size: size)
        var childRaw = [UInt8](repeating: 0, count: size)
        // The child writes its first block (0..<2 MiB) and the 5th MiB (in block 2); block 1 comes from the parent.
        for i in 0..<(2 << 20) { childRaw[i] = 0xC0 | UInt8(i % 61) }
        for i in (4 << 20)..<(5 << 20) { childRaw[i] = 0xA0 | UInt8(i % 29) }
        try QemuImg.run(["convert", "-O", "vpc", "-o", "force_size=on", try directory.write("parent.raw", parentRaw),
                         directory.file("parent.vhd")])
        let childImage = directory.file("child.vhd")
        try QemuImg.run(["convert", "-O", "vpc", "-o", "force_size=on", try directory.write("child.raw", childRaw), childImage])
        var bytes = try VHDTestKit.readFile(childImage)
        let footer = Array(bytes[(bytes.count - 512)...])
        bytes.removeLast(512)
        let locatorOffset = bytes.count
        let relative = VHDTestKit.utf16LE(".\\parent.vhd")
        bytes += relative + [UInt8](repeating: 0, count: 512 - relative.count)
        bytes += footer
        let header = Int(VHDTestKit.getBE(bytes, 16, width: 8))
        for copy in [0, bytes.count - 512] {
            VHDTestKit.putBE(&bytes, copy + 60, 4, width: 4)
            VHDTestKit.fixVHDChecksum(&bytes, structure: copy, length: 512, field: 64)
        }
        let name = Array("parent.vhd".utf16)
        for (i, unit) in name.enumerated() { VHDTestKit.putBE(&bytes, header + 64 + 2 * i, UInt64(unit), width: 2) }
        bytes.replaceSubrange((header + 576)..<(header + 580), with: Array("W2ru".utf8))
        VHDTestKit.putBE(&bytes, header + 580, 1, width: 4)
        VHDTestKit.putBE(&bytes, header + 584, UInt64(relative.count), width: 4)
        VHDTestKit.putBE(&bytes, header + 592, UInt64(locatorOffset), width: 8)
        VHDTestKit.fixVHDChecksum(&bytes, structure: header, length: 1024, field: 36)
        // Sectors 0..<64 of block 0 are not in the child: they read from the parent.
        let table = Int(VHDTestKit.getBE(bytes, header + 16, width: 8))
        let bitmap = Int(VHDTestKit.getBE(bytes, table, width: 4)) * 512
        for i in 0..<8 { bytes[bitmap + i] = 0 }
        try VHDTestKit.writeFile(childImage, bytes)
        var expected = parentRaw
        // Block 2 (4..<6 MiB) is whole in the child, the zeros qemu-img left in it included.
        for i in 0..<size where (i >= 64 * 512 && i < 2 << 20) || i >= 4 << 20 { expected[i] = childRaw[i] }
        return (childImage, expected)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDifferencingVHDNamesItsParentAndAgreesWithQemuImgOtherwise() throws {
        let directory = try Scratch()
        let (child, _) = try Self.makeDifferencing(in: directory)
        // qemu-img 7.2 reads a differencing VHD as if it were dynamic and names no backing file.
        try expectAgreesWithQemu(child)
        let qemu = try QemuImg.info(child)
        #expect(qemu["backing-filename"] == nil)
        let info = try ImageInspector().inspect(path: child)
        #expect(info.subformat == "differencing")
        #expect(info.parentReference == ".\\parent.vhd")
        #expect(info.backingFilename == nil)
        #expect(!info.isSelfContained)
        #expect(!info.corrupt)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDifferencingVHDReadsUnsetSectorsAndMissingBlocksFromItsParent() throws {
        let directory = try Scratch()
        let (child, expected) = try Self.makeDifferencing(in: directory)
        let (_, disk) = try ImageInspector().openGuest(path: child)
        try VHDTestKit.expectSameGuest(disk, expected, blockSize: 2 << 20)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDifferencingVHDWhoseParentIsMissingFailsToOpenItsGuestNamingTheParent() throws {
        let directory = try Scratch()
        let (child, _) = try Self.makeDifferencing(in: directory)
        try FileManager.default.removeItem(atPath: directory.file("parent.vhd"))
        #expect(throws: ImageError.self) { _ = try ImageInspector().openGuest(path: child) }
        do { _ = try ImageInspector().openGuest(path: child) } catch let error as ImageError {
            #expect(error.message.contains("parent.vhd"))
            #expect(error.kind == .io && error.file == child, "\(error.kind): \(error)")
        }
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDifferencingVHDThatIsItsOwnParentEndsWithAnError() throws {
        let directory = try Scratch()
        let (child, _) = try Self.makeDifferencing(in: directory)
        try FileManager.default.removeItem(atPath: directory.file("parent.vhd"))
        try FileManager.default.copyItem(atPath: child, toPath: directory.file("parent.vhd"))
        #expect(throws: ImageError.self) { _ = try ImageInspector().openGuest(path: child) }
    }
}
