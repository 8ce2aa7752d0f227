import Foundation
import Testing
@testable import DiskImage

/// ISOs made by `xorriso -as mkisofs` with the options each test names.
private struct ISOMaker {
    let directory: Scratch

    init() throws {
        directory = try Scratch()
        let tree = directory.file("tree")
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        try directory.write("tree/readme.txt", Array("koopack test medium\n".utf8))
        // A dummy 2 KiB BIOS boot image and a small FAT image for EFI, as installers carry.
        try directory.write("tree/boot.img", [UInt8](repeating: 0x90, count: 2048))
        try Tool.run("mkfs.vfat", ["-C", directory.file("tree/efi.img"), "1440"])
    }

    /// Makes `name` with the extra mkisofs `options` and returns its path.
    func make(_ name: String, _ options: [String]) throws -> String {
        let path = directory.file(name)
        try Tool.run("xorriso", ["-as", "mkisofs", "-quiet", "-o", path] + options + [directory.file("tree")])
        return path
    }
}

private func isoData(_ info: ImageInfo) -> JSONValue? { info.formatSpecific?["data"] }

private let biosOptions = ["-b", "boot.img", "-no-emul-boot", "-boot-load-size", "4"]
private let efiOptions = ["-e", "efi.img", "-no-emul-boot"]

@Suite struct ISO9660FormatTests {
    static let toolsAvailable = Tool.exists("xorriso", "mkfs.vfat")

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable && QemuImg.available, "xorriso, mkfs.vfat or qemu-img is not installed"),
          arguments: [
            ("plain.iso", [String]()),
            ("label.iso", ["-V", "KOO_LABEL"]),
            ("joliet.iso", ["-J"]),
            ("bios.iso", biosOptions),
            ("efi.iso", efiOptions),
            ("both.iso", biosOptions + ["-eltorito-alt-boot"] + efiOptions),
          ])
    func agreesWithQemuImgOnEveryKeyButTheFormatName(name: String, options: [String]) throws {
        let maker = try ISOMaker()
        let path = try maker.make(name, options)
        try expectAgreesWithQemu(path, exceptions: ["format"])
        let info = try ImageInspector().inspect(path: path)
        #expect(info.format == "iso")
        #expect(try QemuImg.info(path)["format"] as? String == "raw")
        #expect(info.warnings.isEmpty, "\(info.warnings)")
        // xorriso pads the volume to the file's end: the volume's size is the file's.
        #expect(isoData(info)?["volume-size"] == .uint(try FileByteSource(path: path).size))
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func theVolumeIDIsTheLabelGivenToXorriso() throws {
        let maker = try ISOMaker()
        let info = try ImageInspector().inspect(path: try maker.make("label.iso", ["-V", "KOO_LABEL", "-publisher", "KOOPUB"]))
        #expect(isoData(info)?["volume-id"] == .string("KOO_LABEL"))
        #expect(isoData(info)?["publisher-id"] == .string("KOOPUB"))
        #expect(isoData(info)?["logical-block-size"] == .uint(2048))
        #expect(isoData(info)?["el-torito"] == .bool(false))
        #expect(isoData(info)?["boot"] == .array([]))
        #expect(isoData(info)?["joliet"] == .bool(false))
        #expect(isoData(info)?["creation-date"]?.stringValue?.count == 25)
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func jolietIsNoticedOnlyWhenAsked() throws {
        let maker = try ISOMaker()
        let with = try ImageInspector().inspect(path: try maker.make("j.iso", ["-J"]))
        let without = try ImageInspector().inspect(path: try maker.make("n.iso", []))
        #expect(isoData(with)?["joliet"] == .bool(true))
        #expect(isoData(without)?["joliet"] == .bool(false))
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"),
          arguments: [
            ("bios.iso", biosOptions, ["bios"]),
            ("efi.iso", efiOptions, ["uefi"]),
            ("both.iso", biosOptions + ["-eltorito-alt-boot"] + efiOptions, ["bios", "uefi"]),
          ])
    func elToritoEntriesGiveTheBootModesXorrisoWasAskedFor(name: String, options: [String], boot: [String]) throws {
        let maker = try ISOMaker()
        let info = try ImageInspector().inspect(path: try maker.make(name, options))
        let data = try #require(isoData(info))
        #expect(data["el-torito"] == .bool(true))
        #expect(data["boot"] == .array(boot.map(JSONValue.string)))
        guard case let .array(entries)? = data["boot-entries"] else {
            Issue.record("no boot entries")
            return
        }
        #expect(entries.count == boot.count)
        for entry in entries {
            #expect(entry["bootable"] == .bool(true))
            #expect(entry["media-type"] == .string("no-emulation"))
            if entry["platform"] == .string("x86") {
                #expect(entry["sector-count"] == .uint(4), "-boot-load-size 4")
            } else {
                #expect(entry["platform"] == .string("efi"))
                // The EFI image's size (1440 KiB) in 512-byte sectors.
                #expect(entry["sector-count"] == .uint(1440 * 2))
            }
        }
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func theGuestDiskOfAnISOIsTheFileItself() throws {
        let maker = try ISOMaker()
        let path = try maker.make("g.iso", [])
        let (info, disk) = try ImageInspector().openGuest(path: path)
        let file = try FileByteSource(path: path)
        #expect(info.format == "iso")
        #expect(disk.size == file.size)
        #expect(try disk.read(at: 32768, count: 4096) == file.read(at: 32768, count: 4096))
    }

    // MARK: hostile inputs, made by patching a real ISO's bytes

    private func realISO() throws -> [UInt8] {
        let maker = try ISOMaker()
        let path = try maker.make("both.iso", ["-V", "HOSTILE"] + biosOptions + ["-eltorito-alt-boot"] + efiOptions)
        let file = try FileByteSource(path: path)
        return try file.read(at: 0, count: Int(file.size))
    }

    private func inspect(_ bytes: [UInt8]) throws -> ImageInfo {
        try ImageInspector().inspectHeader(MemoryByteSource(bytes), filename: "hostile.iso")
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func anISOTruncatedInsideItsDescriptorsIsACleanErrorNamingTheOffset() throws {
        let bytes = try realISO()
        for cut in [32774, 34000, 34816, 36000, 38911] {
            #expect(throws: ImageError.self, "cut at \(cut)") { try inspect(Array(bytes[0..<cut])) }
            do { _ = try inspect(Array(bytes[0..<cut])) } catch let error as ImageError {
                #expect(error.kind == .truncated && error.offset != nil, "\(error.kind): \(error.message)")
                #expect(error.message.contains("offset"), "\(error.message)")
            }
        }
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func anISOTruncatedAfterItsDescriptorsWarnsThatTheVolumeIsLargerThanTheFile() throws {
        let bytes = try realISO()
        let info = try inspect(Array(bytes[0..<(bytes.count - 4096)]))
        #expect(info.warnings.contains(where: { $0.contains("the file is truncated") }), "\(info.warnings)")
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func aDescriptorSetWithoutAPrimaryVolumeDescriptorIsAnError() throws {
        var bytes = try realISO()
        bytes[32768] = 3   // the primary becomes a "volume partition" descriptor
        #expect(throws: ImageError.self) { try inspect(bytes) }
        do { _ = try inspect(bytes) } catch let error as ImageError {
            #expect(error.kind == .invalid && error.offset == 32768)
            #expect(error.message.contains("no primary volume descriptor") && error.message.contains("32768"))
        }
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func aBrokenBootCatalogChecksumIsAWarningAndNoBootEntries() throws {
        var bytes = try realISO()
        let catalogLBA = Int(bytes[34816 + 71]) | Int(bytes[34816 + 72]) << 8
        bytes[catalogLBA * 2048 + 28] ^= 0xFF
        let info = try inspect(bytes)
        #expect(isoData(info)?["boot"] == .array([]))
        #expect(info.warnings.contains(where: { $0.contains("El Torito validation entry at offset \(catalogLBA * 2048)") }))
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func aBootCatalogPastTheEndOfTheFileIsAWarning() throws {
        var bytes = try realISO()
        for (i, byte) in [0xF0, 0xFF, 0xFF, 0x0F].enumerated() { bytes[34816 + 71 + i] = UInt8(byte) }
        let info = try inspect(bytes)
        #expect(info.warnings.contains(where: { $0.contains("boot catalog at sector \(0x0FFF_FFF0)") && $0.contains("past the end") }))
    }

    @Test(.enabled(if: ISO9660FormatTests.toolsAvailable, "xorriso or mkfs.vfat is not installed"))
    func absurdVolumeSizesAreWarningsNotTraps() throws {
        var bytes = try realISO()
        for i in 0..<8 { bytes[32768 + 80 + i] = 0xFF }    // both copies of the block count
        bytes[32768 + 128] = 0xFF; bytes[32768 + 129] = 0xFF  // a mismatched block size
        let info = try inspect(bytes)
        #expect(isoData(info)?["volume-size"] == .uint(UInt64(UInt32.max) * 0xFFFF))
        #expect(info.warnings.contains(where: { $0.contains("logical block size at offset 32896") }))
        #expect(info.warnings.contains(where: { $0.contains("the file is truncated") }))
        #expect(info.virtualSize == UInt64(bytes.count))
    }

    @Test func aDescriptorSetWithNoTerminatorIsScannedOnlyUpToTheCap() throws {
        var bytes = [UInt8](repeating: 0, count: 32768 + (ISO9660Format.maxDescriptors + 10) * 2048)
        for k in 0..<(ISO9660Format.maxDescriptors + 10) {
            let o = 32768 + k * 2048
            bytes[o] = k == 0 ? 1 : 3
            bytes.replaceSubrange((o + 1)..<(o + 6), with: Array("CD001".utf8))
        }
        let info = try inspect(bytes)
        #expect(info.format == "iso")
        #expect(info.warnings.contains(where: { $0.contains("no volume descriptor set terminator in the first \(ISO9660Format.maxDescriptors)") }))
    }
}
