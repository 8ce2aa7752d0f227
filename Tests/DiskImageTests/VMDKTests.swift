import Foundation
import Testing
@testable import DiskImage

/// Builders of VMDK variants qemu-img does not write itself.
enum VMDKFixtures {
    /// A streamOptimized image rewritten the way VMware writes it: the header's gdOffset says
    /// "at the end" (all ones) and a footer (footer marker, header copy, end-of-stream marker)
    /// holds the real offset.
    static func movingGrainDirectoryToFooter(_ image: [UInt8]) throws -> [UInt8] {
        guard image.count % 512 == 0, image.count >= 1024 else { throw TestFailure("not a sector-aligned image") }
        var bytes = image
        let header = Array(bytes[0..<512])
        for i in 56..<64 { bytes[i] = 0xFF }
        var footerMarker = [UInt8](repeating: 0, count: 512)
        footerMarker[0] = 1 // the footer is one sector
        footerMarker[12] = 3 // MARKER_FOOTER
        bytes += footerMarker + header + [UInt8](repeating: 0, count: 512)
        return bytes
    }

    /// Sets the little-endian integer of `width` bytes at `offset`.
    static func patch(_ bytes: inout [UInt8], at offset: Int, width: Int, _ value: UInt64) {
        for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    /// The little-endian integer of `width` bytes at `offset`.
    static func read(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
}

@Suite struct VMDKTests {
    static let createOptions: [String] = [
        "subformat=monolithicSparse",
        "subformat=monolithicSparse,adapter_type=lsilogic,hwversion=6,zeroed_grain=on,toolsversion=10240",
        "subformat=monolithicFlat,adapter_type=buslogic",
        "subformat=twoGbMaxExtentSparse,compat6=on",
        "subformat=twoGbMaxExtentFlat,adapter_type=legacyESX",
        "subformat=streamOptimized,hwversion=7",
    ]

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: createOptions)
    func everyCreateTypeAgreesWithQemuImg(options: String) throws {
        let directory = try Scratch()
        let image = directory.file("disk.vmdk")
        try QemuImg.run(["create", "-q", "-f", "vmdk", "-o", options, image, "5M"])
        try expectAgreesWithQemu(image)
        let info = try ImageInspector().inspect(path: image)
        let subformat = options.split(separator: ",")[0].dropFirst("subformat=".count)
        #expect(info.subformat == String(subformat))
        #expect(info.virtualSize == 5 << 20)
        #expect(info.isSelfContained)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: ["streamOptimized", "twoGbMaxExtentSparse"])
    func aConvertedImageAgreesWithQemuImg(subformat: String) throws {
        let directory = try Scratch()
        let raw = try directory.write("disk.raw", VMDKPattern.disk())
        let image = directory.file("disk.vmdk")
        try QemuImg.run(["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=\(subformat)", raw, image])
        try expectAgreesWithQemu(image)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aStreamOptimizedFooterAgreesWithQemuImg() throws {
        let directory = try Scratch()
        let raw = try directory.write("disk.raw", VMDKPattern.disk())
        let image = directory.file("stream.vmdk")
        try QemuImg.run(["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, image])
        let moved = try directory.write("moved.vmdk",
                                        try VMDKFixtures.movingGrainDirectoryToFooter(Array(try Data(contentsOf: URL(fileURLWithPath: image)))))
        try expectAgreesWithQemu(moved)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aLinkedCloneReportsItsParentFileNameHintAsBackingFile() throws {
        let directory = try Scratch()
        let base = directory.file("base.vmdk")
        let child = directory.file("child.vmdk")
        try QemuImg.run(["create", "-q", "-f", "vmdk", base, "5M"])
        try QemuImg.run(["create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", child], in: directory.path)
        try expectAgreesWithQemu(child)
        let info = try ImageInspector().inspect(path: child)
        #expect(info.backingFilename == "base.vmdk")
        #expect(info.backingFormat == "vmdk")
        #expect(info.fullBackingFilename == base)
        #expect(!info.isSelfContained)
        let qemuBase = try QemuImg.info(base)
        let baseCID = ((qemuBase["format-specific"] as? [String: Any])?["data"] as? [String: Any])?["cid"] as? NSNumber
        guard case let .uint(parentCID)? = info.formatSpecific?["data"]?["parent-cid"] else {
            Issue.record("no parent-cid")
            return
        }
        #expect(parentCID == baseCID?.uint64Value)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aVMFSDescriptorAgreesWithQemuImg() throws {
        let directory = try Scratch()
        try QemuImg.run(["create", "-q", "-f", "raw", directory.file("disk-flat.vmdk"), "3M"])
        let descriptor = """
            # Disk DescriptorFile
            version=1
            CID=0badcafe
            parentCID=ffffffff
            createType="vmfs"

            # Extent description
            RW 6144 VMFS "disk-flat.vmdk"

            ddb.adapterType = "lsilogic"

            """
        let image = try directory.write("disk.vmdk", Array(descriptor.utf8))
        try expectAgreesWithQemu(image)
        let info = try ImageInspector().inspect(path: image)
        #expect(info.subformat == "vmfs")
        #expect(info.virtualSize == 3 << 20)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aVMFSSparseDescriptorAgreesWithQemuImg() throws {
        let directory = try Scratch()
        try QemuImg.run(["create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", directory.file("x.vmdk"), "4M"])
        let descriptor = """
            # Disk DescriptorFile
            version=1
            CID=fffffffe
            parentCID=ffffffff
            createType="vmfsSparse"
            RW 8192 VMFSSPARSE "x-s001.vmdk"

            """
        let image = try directory.write("delta.vmdk", Array(descriptor.utf8))
        try expectAgreesWithQemu(image)
        #expect(try ImageInspector().inspect(path: image).clusterSize == 65536)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func anUncleanShutdownIsAWarningWhileTheDirtyFlagStaysFalseAsInQemuImg() throws {
        let directory = try Scratch()
        let image = directory.file("disk.vmdk")
        try QemuImg.run(["create", "-q", "-f", "vmdk", image, "1M"])
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: image)))
        bytes[72] = 1
        try directory.write("disk.vmdk", bytes)
        try expectAgreesWithQemu(image)
        let info = try ImageInspector().inspect(path: image)
        #expect(info.dirty == false)
        #expect(info.warnings.contains { $0.contains("uncleanShutdown") })
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aLoneExtentOfASplitDiskIsRefusedAsQemuImgRefusesIt() throws {
        let directory = try Scratch()
        try QemuImg.run(["create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", directory.file("x.vmdk"), "1M"])
        #expect(throws: (any Error).self) { try QemuImg.info(directory.file("x-s001.vmdk")) }
        let error = try #require(throws: ImageError.self) { try ImageInspector().inspect(path: directory.file("x-s001.vmdk")) }
        #expect(error.message.contains("descriptor"))
        // qemu-img leaves the lone extent an empty embedded descriptor: no CID line.
        #expect(error.kind == .invalid && error.file == directory.file("x-s001.vmdk"), "\(error.kind): \(error)")
    }

    @Test func aDescriptorWithAZeroExtentCountsItInTheVirtualSize() throws {
        // QEMU skips ZERO extent lines, so it reports a smaller disk; VMware's spec counts them.
        let directory = try Scratch()
        let descriptor = "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\ncreateType=\"custom\"\nRW 100 ZERO\nRW 28 ZERO\n"
        let image = try directory.write("zero.vmdk", Array(descriptor.utf8))
        let (info, disk) = try ImageInspector().openGuest(path: image)
        #expect(info.virtualSize == 128 * 512)
        #expect(info.clusterSize == nil)
        #expect(try disk.read(at: 0, count: 65536) == [UInt8](repeating: 0, count: 65536))
    }

    @Test func probeClaimsSparseMagicAndDescriptorTextOnly() throws {
        func score(_ text: [UInt8]) -> Int {
            VMDKFormat.probe(ProbeInput(head: ByteWindow(text), filename: "x", source: MemoryByteSource(text)))
        }
        #expect(score(Array("KDMV".utf8) + [1, 0, 0, 0]) == 100)
        #expect(score(Array("# Disk DescriptorFile\nversion=1\nCID=1\n".utf8)) == 100)
        #expect(score(Array("\n  \r\n# comment\nversion=2\r\n".utf8)) == 100)
        #expect(score(Array("version=4\n".utf8)) == 0)
        #expect(score(Array("hello world\nversion=1\n".utf8)) == 0)
        #expect(score([0x51, 0x46, 0x49, 0xFB]) == 0)
    }

    /// The committed fixtures made by testdata/images/make-vmdk.sh, held against the qemu-img
    /// JSON saved beside each (actual-size depends on the host's file system, so it is left out).
    @Test(arguments: ["sparse.vmdk", "stream.vmdk", "split.vmdk"])
    func committedFixtureAgreesWithItsSavedQemuJSON(name: String) throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../testdata/images").standardized.path
        let saved = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name).qemu.json"))) as? [String: Any])
        var mine = try koopackInfo("\(directory)/\(name)")
        var theirs = Self.prefixingFilenames(saved, with: directory + "/") as? [String: Any] ?? [:]
        mine["actual-size"] = nil
        theirs["actual-size"] = nil
        let differences = disagreements(mine, theirs)
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    /// `value` with every "filename" string made relative to `prefix`, as qemu-img prints it
    /// for an image named by that longer path.
    static func prefixingFilenames(_ value: Any, with prefix: String) -> Any {
        if let object = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, member) in object {
                if key == "filename", let name = member as? String {
                    result[key] = prefix + name
                } else {
                    result[key] = prefixingFilenames(member, with: prefix)
                }
            }
            return result
        }
        if let array = value as? [Any] { return array.map { prefixingFilenames($0, with: prefix) } }
        return value
    }
}
