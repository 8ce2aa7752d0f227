import Foundation
import Testing
@testable import DiskImage

/// The block allocation table scan of a dynamic VHD: an allocated block that ends past the end of
/// the file is reported (qemu-img refuses to open such an image), and one that fits is not.
/// Images made by qemu-img and written by qemu-io.
@Suite struct VHDBlockTableTests {
    static let tools = QemuImg.available && Tool.exists("qemu-io")

    /// A 64 MiB dynamic VHD with one block allocated (guest offset 8 MiB, block 4 at 2 MiB blocks).
    static func imageWithOneBlock(_ directory: Scratch) throws -> String {
        let file = directory.file("disk.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", file, "64M"])
        _ = try Tool.run("qemu-io", ["-c", "write -P 0x5a 8M 4k", file])
        return file
    }

    @Test(.enabled(if: tools, "qemu-img and qemu-io are needed"))
    func aBlockThatFitsInTheFileIsNoWarning() throws {
        let directory = try Scratch()
        let info = try ImageInspector().inspect(path: try Self.imageWithOneBlock(directory))
        #expect(!info.warnings.contains { $0.contains("past the end of the file") })
        #expect(info.corrupt != true)
    }

    @Test(.enabled(if: tools, "qemu-img and qemu-io are needed"))
    func aBlockCutOffByTruncationIsReportedAsQemuRefusesIt() throws {
        let directory = try Scratch()
        let file = try Self.imageWithOneBlock(directory)
        #expect(truncate(file, 1_200_000) == 0)
        #expect(throws: (any Error).self) { try QemuImg.run(["info", file]) }
        let info = try ImageInspector().inspect(path: file)
        #expect(info.warnings.contains { $0.hasPrefix("VHD block 4 ") && $0.contains("past the end of the file (size 1200000)") })
        #expect(info.corrupt == true)
    }

    /// The table is scanned in pieces of 8,192 entries and groups of 64: a block far into a
    /// 64 GiB disk's table (guest offset 40 GiB, block 20,480, in the third piece) is found, and
    /// named by its own entry's offset, which qemu-img's refusal confirms is the one cut off.
    @Test(.enabled(if: tools, "qemu-img and qemu-io are needed"))
    func aBlockFarIntoALargeTableIsFoundAndNamedByItsEntry() throws {
        let directory = try Scratch()
        let file = directory.file("large.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", file, "64G"])
        _ = try Tool.run("qemu-io", ["-c", "write -P 0x5a 40G 4k", file])
        let whole = try ImageInspector().inspect(path: file)
        #expect(!whole.warnings.contains { $0.contains("past the end of the file") })
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as! UInt64
        #expect(truncate(file, off_t(size - 4096)) == 0)
        #expect(throws: (any Error).self) { try QemuImg.run(["info", file]) }
        let info = try ImageInspector().inspect(path: file)
        // qemu's vpc driver puts the table at offset 1,536 (after the footer copy and header).
        #expect(info.warnings.contains { $0.hasPrefix("VHD block 20480 (BAT entry at offset \(1536 + 20480 * 4)) ") })
        #expect(info.corrupt == true)
    }
}
