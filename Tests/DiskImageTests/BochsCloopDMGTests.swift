import Foundation
import Testing
@testable import DiskImage

/// bochs, cloop and dmg: formats qemu-img reads and IMS does not import. Each is recognised by
/// its signature, gives the header facts qemu-img gives, and its guest disk is qemu-img's raw,
/// byte for byte. The images come from bximage (bochs) and from
/// testdata/legacy-formats/make-legacy-image.py (cloop, dmg: no Debian tool writes them).
@Suite struct BochsCloopDMGTests {
    static let maker = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/legacy-formats/make-legacy-image.py").path
    static let toolsAvailable = QemuImg.available && Tool.exists("sfdisk", "mkfs.ext4")

    /// A 64 MiB raw disk with an MBR and an ext4 filesystem at 1 MiB, and random bytes near its end.
    static func mbrExt4Disk(in directory: Scratch) throws -> String {
        let raw = directory.file("disk.raw")
        try DiskTool.sparseFile(raw, bytes: 64 << 20)
        try Tool.run("sfdisk", ["-q", raw], input: "label: dos\nstart=2048, size=124928, type=83\n")
        try Tool.run("mkfs.ext4", ["-q", "-F", "-E", "offset=1048576", "-L", "legacy", raw, "\(124928 / 2)k"])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: raw))
        try handle.seek(toOffset: (64 << 20) - 100_000)
        handle.write(Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }))
        try handle.close()
        return raw
    }

    /// Holds `image` to qemu-img: `info` agrees, the guest is the MBR disk with its ext4
    /// partition, and the raw export is qemu-img's.
    static func expectReadAsQemuReads(_ image: String, format: String, in directory: Scratch) throws {
        try expectAgreesWithQemu(image, qemuFormat: format)
        let info = try ImageInspector().inspect(path: image, guest: true)
        #expect(info.format == format)
        #expect(info.virtualSize == 64 << 20)
        #expect(info.guest?.partitionTable == .mbr)
        #expect(info.guest?.partitions.first?.filesystem?.kind == .ext4)
        #expect(info.guest?.partitions.first?.filesystem?.label == "legacy")
        let mine = directory.file("koopack.raw"), theirs = directory.file("qemu.raw")
        try RawExport.write(try ImageInspector().openGuest(path: image).disk, to: mine, workers: 2)
        try QemuImg.run(["convert", "-f", format, "-O", "raw", image, theirs])
        #expect(FileManager.default.contentsEqual(atPath: mine, andPath: theirs), "\(format) raw differs from qemu-img's")
    }

    @Test(.enabled(if: toolsAvailable && Tool.exists("bximage"), "needs qemu-img, sfdisk, mkfs.ext4, bximage"))
    func aBochsGrowingImageFromBximageIsReadAsQemuReadsIt() throws {
        let directory = try Scratch()
        let raw = try Self.mbrExt4Disk(in: directory)
        let image = directory.file("disk.img")
        try Tool.run("bximage", ["-func=convert", "-imgmode=growing", "-q", raw, image])
        #expect(try ImageInspector.probe(FileByteSource(path: image), filename: image) == BochsFormat.self)
        try Self.expectReadAsQemuReads(image, format: "bochs", in: directory)
        let data = try ImageInspector().inspect(path: image).formatSpecific?["data"]
        #expect(data?["extent-size"] == .uint(32768))
        #expect(data?["catalog-entries"] == .uint(2048))
    }

    @Test(.enabled(if: toolsAvailable && ZVHDCases.pythonAvailable, "needs qemu-img, sfdisk, mkfs.ext4, python3"),
          arguments: ["cloop", "dmg"])
    func aCloopOrDMGImageIsReadAsQemuReadsIt(format: String) throws {
        let directory = try Scratch()
        let raw = try Self.mbrExt4Disk(in: directory)
        let image = directory.file("disk.\(format)")
        try Tool.run("python3", [Self.maker, format, raw, image])
        #expect(try ImageInspector.probe(FileByteSource(path: image), filename: "renamed.img").name == format)
        try Self.expectReadAsQemuReads(image, format: format, in: directory)
    }

    // MARK: - Hostile headers

    /// A bochs header with `patch` applied (little-endian 32-bit at each offset).
    static func bochs(_ patch: [(Int, UInt32)]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512 + 8 * 4)
        for (o, text) in [(0, BochsHeader.magic), (32, "Redolog"), (48, "Growing")] { bytes.replaceSubrange(o..<(o + text.utf8.count), with: Array(text.utf8)) }
        let fields: [(Int, UInt32)] = [(64, 0x0002_0000), (68, 512), (72, 8), (76, 512), (80, 32768), (88, 8 * 32768)] + patch
        for (o, value) in fields { for i in 0..<4 { bytes[o + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) } }
        for i in 0..<32 { bytes[512 + i] = 0xFF }
        return bytes
    }

    @Test(arguments: [
        ([(72, UInt32(0x20_0000))], "catalog size"), ([(80, UInt32(1000))], "extent size"), ([(80, UInt32(256))], "extent size"),
        ([(80, UInt32(1 << 24))], "extent size"), ([(72, UInt32(2))], "cannot cover"), ([(64, UInt32(3))], "version"),
    ])
    func absurdBochsHeadersAreErrorsNamingTheField(patch: [(Int, UInt32)], fragment: String) throws {
        #expect(try ImageInspector.probe(MemoryByteSource(Self.bochs([])), filename: "x") == BochsFormat.self)
        let error = try #require(throws: ImageError.self) {
            _ = try BochsFormat.inspect(MemoryByteSource(Self.bochs(patch)), context: InspectContext(filename: "x", resolver: nil))
        }
        #expect(error.message.contains(fragment) && error.offset != nil, "\(error)")
    }

    @Test func anEmptyBochsDiskReadsAsZeros() throws {
        let disk = try ImageInspector(resolver: NoFiles()).openGuest(MemoryByteSource(Self.bochs([])), filename: "x").disk
        #expect(try disk.read(at: 12345, count: 1000) == [UInt8](repeating: 0, count: 1000))
    }

    @Test func cloopOffsetsThatRunBackwardsAreAnError() throws {
        var bytes = CloopHeader.preamble + [UInt8](repeating: 0, count: 128 - CloopHeader.preamble.count)
        bytes += [0, 0, 2, 0, 0, 0, 0, 2]  // 512-byte blocks, two of them
        for offset: UInt64 in [200, 150, 300] { bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: offset >> (8 * UInt64($0))) } }
        let source = MemoryByteSource(bytes + [UInt8](repeating: 0, count: 200))
        let info = try CloopFormat.inspect(source, context: InspectContext(filename: "x", resolver: nil))
        #expect(info.virtualSize == 1024)
        let error = try #require(throws: ImageError.self) {
            _ = try CloopFormat.openGuest(source, info: info, context: InspectContext(filename: "x", resolver: nil), backing: nil)
        }
        #expect(error.message.contains("before offset 0") && error.offset == 144, "\(error)")
    }

    @Test func aDMGWithoutItsTrailerIsNotTakenForOneAndATruncatedOneIsAnError() throws {
        #expect(try ImageInspector.probe(MemoryByteSource([UInt8](repeating: 0x6B, count: 4096)), filename: "x.dmg") == RawFormat.self)
        var bytes = [UInt8](repeating: 0, count: 2048)
        bytes.replaceSubrange(1536..<1540, with: Array("koly".utf8))
        bytes[1536 + 0xE0] = 0x01  // a property list of 2^56 bytes, longer than the file before the trailer
        let error = try #require(throws: ImageError.self) {
            _ = try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(bytes), filename: "x.dmg")
        }
        #expect(error.message.contains("property list") && error.offset != nil, "\(error)")
    }
}
