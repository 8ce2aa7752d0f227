import Foundation
import Testing
@testable import DiskImage

/// ZVHD2 images beyond the driver-written ones, made at test time by koopack's writer
/// (testdata/zvhd/zvhd-writer.py), which is first held to the driver: it must rewrite every
/// driver-written case from its decoded disk with the same structure. The raw disk each image
/// is made from is the truth its guest must read back as.
@Suite(.enabled(if: ZVHDCases.pythonAvailable, "needs python3 for the writer"))
struct ZVHDWriterFixtureTests {
    @Test func theWriterRewritesEveryDriverWrittenCaseAsTheDriverDid() throws {
        let output = try ZVHDCases.runWriter(["pin", ZVHDCases.directory])
        let lines = output.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        #expect(lines.count == ZVHDCases.all.count, "\(output)")
        #expect(lines.allSatisfy { $0.contains("agrees") }, "\(output)")
    }

    /// A sparse raw disk of `size` bytes with `marks` (offset → bytes) written into it.
    static func sparseDisk(_ path: String, size: UInt64, marks: [(UInt64, [UInt8])]) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: size)
        for (offset, bytes) in marks {
            try handle.seek(toOffset: offset)
            handle.write(Data(bytes))
        }
        try handle.close()
    }

    /// Eight bytes naming block `block`.
    static func mark(_ block: UInt64) -> [UInt8] { Array("blk".utf8) + (0..<4).map { UInt8(truncatingIfNeeded: block >> (8 * $0)) } + [0x21] }

    /// With `INDEX_ZERO_BLK` 1 the index has an entry for every block, so a sparse disk over
    /// 64 GiB needs two 32,768-entry segments while the file stays small; blocks on both sides
    /// of the segment boundary read back, the rest read as zeros.
    @Test func anIndexOfZeroBlocksOverTwoSegmentsReadsBack() throws {
        let directory = try Scratch()
        let raw = directory.file("sparse.raw"), image = directory.file("sparse.zvhd2")
        let size: UInt64 = 65 << 30
        let blocks: [UInt64] = [0, 32767, 32768, 33000, (size >> 21) - 1]
        try Self.sparseDisk(raw, size: size, marks: blocks.map { ($0 << 21 + 4096, Self.mark($0)) })
        try ZVHDCases.runWriter(["write", raw, image, "--format", "zvhd2", "--index-zero-blk"])
        let file = try FileByteSource(path: image)
        #expect(file.size < 2 << 20, "\(file.size) bytes")
        let info = try ImageInspector().inspect(path: image)
        let data = try #require(info.formatSpecific?["data"])
        #expect(data["index-contains-zero-blocks"] == .bool(true))
        #expect(data["index-segments"] == .uint(2))
        #expect(data["bitmap-segments"] == .uint(2))
        #expect(data["stored-blocks"] == .uint(UInt64(blocks.count)))
        #expect(info.virtualSize == size)
        #expect(info.warnings.isEmpty, "\(info.warnings)")
        let disk = try ImageInspector().openGuest(path: image).disk
        let sparse = try #require(disk as? any ZeroRunSource)
        for block in blocks {
            #expect(try disk.read(at: block << 21 + 4096, count: 8) == Self.mark(block), "block \(block)")
            #expect(try sparse.zeroRun(at: block << 21, limit: 2 << 20) == 0)
        }
        for block: UInt64 in [1, 32766, 32769, 32999, 33001] {
            #expect(try sparse.zeroRun(at: block << 21, limit: 2 << 20) == 2 << 20, "block \(block)")
            #expect(try disk.read(at: block << 21 + 4096, count: 8) == [UInt8](repeating: 0, count: 8))
        }
    }

    /// The default index (stored blocks only) past 32,768 stored blocks: the rank crosses into
    /// the second index segment and the second bitmap segment.
    @Test(.timeLimit(.minutes(10)))
    func moreThan32768StoredBlocksReadBackThroughTheIndexsSecondSegment() throws {
        let directory = try Scratch()
        let raw = directory.file("full.raw"), image = directory.file("full.zvhd2")
        let count: UInt64 = 32770
        try Self.sparseDisk(raw, size: count << 21, marks: (0..<count).map { ($0 << 21, Self.mark($0)) })
        try ZVHDCases.runWriter(["write", raw, image, "--format", "zvhd2"])
        try? FileManager.default.removeItem(atPath: raw)
        let info = try ImageInspector().inspect(path: image)
        let data = try #require(info.formatSpecific?["data"])
        #expect(data["stored-blocks"] == .uint(count))
        #expect(data["index-segments"] == .uint(2))
        #expect(data["bitmap-segments"] == .uint(2))
        #expect(info.warnings.isEmpty, "\(info.warnings)")
        let disk = try ImageInspector().openGuest(path: image).disk
        for block: UInt64 in [0, 1, 255, 256, 32766, 32767, 32768, 32769] {
            #expect(try disk.read(at: block << 21, count: 8) == Self.mark(block), "block \(block)")
        }
        let past = try #require(disk as? any ZeroRunSource)
        #expect(try past.zeroRun(at: count << 21, limit: 2 << 20) == 2 << 20, "the GiB round-up reads as zeros")
    }
}

/// The guest view's cost on a ZVHD2 export of the bench's 40 GiB system disk (GPT, an EFI
/// system partition and an ext4 root), written by koopack's writer.
@Suite struct ZVHDReadCostTests {
    @Test(.enabled(if: ZVHDCases.pythonAvailable && Tool.exists("sfdisk", "mkfs.ext4", "mkfs.vfat"),
                   "needs python3, sfdisk, mkfs.ext4 and mkfs.vfat"))
    func theGuestViewOfA40GiBZVHD2SystemDiskReadsAtMost2MiB() throws {
        let directory = try Scratch()
        let raw = directory.file("system.raw")
        let diskBytes: UInt64 = 40 << 30
        try DiskTool.sparseFile(raw, bytes: diskBytes)
        try Tool.run("sfdisk", ["-q", raw], input: """
            label: gpt
            start=2048, size=204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"
            start=206848, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"

            """)
        let esp = directory.file("esp.img")
        try DiskTool.sparseFile(esp, bytes: 100 << 20)
        try Tool.run("mkfs.vfat", ["-n", "ESP", esp])
        try DiskTool.copy(esp, into: raw, at: 2048 * 512)
        let rootBytes = diskBytes - 206848 * 512 - 34 * 512
        try Tool.run("mkfs.ext4", ["-q", "-F", "-E", "offset=\(206848 * 512),lazy_itable_init=1,lazy_journal_init=1",
                                       "-L", "root", raw, "\(rootBytes / 1024)k"])
        let image = directory.file("system.zvhd2")
        try ZVHDCases.runWriter(["write", raw, image, "--format", "zvhd2"])
        try? FileManager.default.removeItem(atPath: raw)

        let resolver = CountingResolver()
        let info = try ImageInspector(resolver: resolver).inspect(path: image, guest: true)
        let guest = try #require(info.guest)
        #expect(info.virtualSize == diskBytes)
        #expect(guest.partitionTable == .gpt)
        #expect(guest.boot == .uefi)
        #expect(guest.partitions.map { $0.filesystem?.kind.rawValue } == ["vfat", "ext4"])
        #expect(guest.warnings.isEmpty, "\(guest.warnings)")
        #expect(resolver.bytesRead <= 2 << 20, "read \(resolver.bytesRead) bytes in \(resolver.reads) reads")
    }
}
