import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// A small real ext4 image in memory, with the locations of its structures as `debugfs` reports
/// them, to patch into damaged variants.
struct Ext4HostileImage {
    static let blockSize = 4096
    var bytes: [UInt8]
    /// Byte offset of the /etc/os-release inode record.
    var osReleaseInode: Int
    /// Byte offset of the /var/fragmented inode record.
    var fragmentedInode: Int
    /// Byte offset of the /var/fragmented extent index (leaf) block.
    var fragmentedLeaf: Int
    var fragmentedLeafBlock: UInt32
    /// The /etc directory's inode number and the byte offset of its first block.
    var etcInode: UInt64
    var etcBlock: Int

    static func make() throws -> Ext4HostileImage {
        let scratch = try Scratch()
        let root = scratch.file("root")
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/var", withIntermediateDirectories: true)
        try Data("ID=koopack\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/os-release"))
        try Data("root:x:0:0::/root:/bin/sh\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/passwd"))
        _ = fm.createFile(atPath: root + "/var/fragmented", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/var/fragmented"))
        for i in 0..<12 {
            try handle.seek(toOffset: UInt64(i * (256 << 10)))
            try handle.write(contentsOf: Data(ext4Pattern(4096, seed: UInt32(i + 1))))
        }
        try handle.close()
        try fm.createSymbolicLink(atPath: root + "/etc/localtime", withDestinationPath: "../var/fragmented")
        let image = scratch.file("fs.img")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-b", "4096", "-d", root, image, "8M"])

        func debugfs(_ request: String) throws -> String {
            try Tool.run("debugfs", ["-R", request, image])
        }
        func inodeLocation(_ path: String) throws -> Int {
            // "located at block 1058, offset 0x0b00"
            let text = try debugfs("imap " + path)
            let scanner = Scanner(string: text)
            _ = scanner.scanUpToString("located at block ")
            _ = scanner.scanString("located at block ")
            guard let block = scanner.scanInt(), scanner.scanString(", offset 0x") != nil,
                  let offset = scanner.scanUInt64(representation: .hexadecimal) else { throw TestFailure("debugfs imap: \(text)") }
            return block * blockSize + Int(offset)
        }
        let fragmentedStat = try debugfs("stat /var/fragmented")
        guard let etbRange = fragmentedStat.range(of: "(ETB0):"),
              let leafBlock = Scanner(string: String(fragmentedStat[etbRange.upperBound...])).scanInt() else {
            throw TestFailure("no extent index block in: \(fragmentedStat)")
        }
        let etcStat = try debugfs("stat /etc")
        guard let etcInode = Scanner(string: etcStat.replacingOccurrences(of: "Inode:", with: "")).scanInt(),
              let etcBlock = Scanner(string: try debugfs("blocks /etc")).scanInt() else {
            throw TestFailure("debugfs stat /etc: \(etcStat)")
        }
        return Ext4HostileImage(
            bytes: Array(try Data(contentsOf: URL(fileURLWithPath: image))),
            osReleaseInode: try inodeLocation("/etc/os-release"), fragmentedInode: try inodeLocation("/var/fragmented"),
            fragmentedLeaf: leafBlock * blockSize, fragmentedLeafBlock: UInt32(leafBlock),
            etcInode: UInt64(etcInode), etcBlock: etcBlock * blockSize)
    }

    mutating func put16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value & 0xFF)
        bytes[offset + 1] = UInt8(value >> 8)
    }

    mutating func put32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8((value >> (8 * UInt32(i))) & 0xFF) }
    }

    func open() throws -> Ext4FileSystem { try Ext4FileSystem(MemoryByteSource(bytes)) }
}

/// Runs `body`, expects an `ImageError` of `kind` whose message contains every fragment (the
/// field, the inode, the offset).
func expectExt4Error(_ kind: ImageError.Kind, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Void) {
    let error = #expect(throws: ImageError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.kind == kind, "\(error.map { "\($0.kind): \($0.message)" } ?? "no error")", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(error?.message.contains(fragment) == true,
                "\"\(error?.message ?? "no error")\" does not mention \"\(fragment)\"", sourceLocation: sourceLocation)
    }
}

@Suite(.enabled(if: Ext4Tools.available, "e2fsprogs is not installed"))
struct Ext4HostileTests {
    /// The offset of superblock field `field`.
    static func superblock(_ field: Int) -> Int { 1024 + field }

    @Test func theUndamagedImageReads() throws {
        let image = try Ext4HostileImage.make()
        let fs = try image.open()
        #expect(try GuestPaths.readFile("/etc/os-release", in: fs) == Array("ID=koopack\n".utf8))
        #expect(try GuestPaths.readFile("/etc/localtime", in: fs)?.count == 11 * (256 << 10) + 4096)
    }

    @Test func aWrongMagicIsRejectedNamingItsOffset() throws {
        var image = try Ext4HostileImage.make()
        image.put16(0x1234, at: Self.superblock(0x38))
        expectExt4Error(.badMagic, ["1080", "0x1234"]) { _ = try image.open() }
    }

    @Test func aBlockSizeLogOf20IsRejected() throws {
        var image = try Ext4HostileImage.make()
        image.put32(20, at: Self.superblock(0x18))
        expectExt4Error(.outOfRange, ["s_log_block_size", "20", "1048"]) { _ = try image.open() }
    }

    @Test func anInodeCountOfZeroIsRejected() throws {
        var image = try Ext4HostileImage.make()
        image.put32(0, at: Self.superblock(0x0))
        expectExt4Error(.outOfRange, ["s_inodes_count", "no inodes"]) { _ = try image.open() }
    }

    @Test func absurdGroupGeometryIsRejected() throws {
        var image = try Ext4HostileImage.make()
        image.put32(0, at: Self.superblock(0x20))
        expectExt4Error(.outOfRange, ["s_blocks_per_group", "is 0"]) { _ = try image.open() }
        image = try Ext4HostileImage.make()
        image.put32(4_000_000, at: Self.superblock(0x28))
        expectExt4Error(.outOfRange, ["s_inodes_per_group", "4000000"]) { _ = try image.open() }
        image = try Ext4HostileImage.make()
        image.put16(100, at: Self.superblock(0x58))
        expectExt4Error(.outOfRange, ["s_inode_size", "100"]) { _ = try image.open() }
        image = try Ext4HostileImage.make()
        image.put32(3_000_000_000, at: Self.superblock(0x0))
        expectExt4Error(.outOfRange, ["s_inodes_count", "3000000000"]) { _ = try image.open() }
    }

    @Test func aSuperblockTruncatedAnywhereIsACleanError() throws {
        let image = try Ext4HostileImage.make()
        for size in [0, 512, 1024, 1080, 1500, 2047] {
            expectExt4Error(.truncated, ["superblock"]) {
                _ = try Ext4FileSystem(MemoryByteSource(Array(image.bytes.prefix(size))))
            }
        }
    }

    @Test func inodeNumbersOutOfRangeAreErrorsNamingTheNumber() throws {
        let fs = try Ext4HostileImage.make().open()
        let count = UInt64(fs.superblock.inodesCount)
        for number in [0, count + 1, UInt64(UInt32.max) + 7, UInt64.max] {
            expectExt4Error(.outOfRange, ["inode \(number) is out of range", "\(count)"]) { _ = try fs.inode(number) }
            expectExt4Error(.outOfRange, ["inode \(number)"]) { _ = try fs.directoryEntries(number) }
            expectExt4Error(.outOfRange, ["inode \(number)"]) { _ = try fs.read(number, at: 0, count: 10) }
        }
        #expect(try fs.inode(count).number == count)
    }

    @Test func aGroupDescriptorTablePastTheEndIsAnError() throws {
        let image = try Ext4HostileImage.make()
        // Only the superblock's block survives: opening works, finding any inode does not.
        let truncated = try Ext4FileSystem(MemoryByteSource(Array(image.bytes.prefix(Ext4HostileImage.blockSize))))
        expectExt4Error(.truncated, ["group descriptor 0", "4096"]) { _ = try truncated.inode(2) }
        // The descriptor table lies past the filesystem's last block.
        var patched = image
        patched.put32(1, at: Self.superblock(0x4))
        patched.put32(try image.open().superblock.inodesPerGroup, at: Self.superblock(0x0))
        expectExt4Error(.outOfRange, ["block 1 lies past the end of the filesystem (1 blocks)"]) { _ = try patched.open().inode(2) }
        // A descriptor whose inode table lies past the end.
        var table = image
        table.put32(0xFFFF_FF00, at: Ext4HostileImage.blockSize + 0x8)
        expectExt4Error(.outOfRange, ["bg_inode_table", "4104", "4294967040"]) { _ = try table.open().inode(2) }
    }

    @Test func anExtentPointingPastTheEndIsAnError() throws {
        var image = try Ext4HostileImage.make()
        image.put32(0xFFFF_FF00, at: image.osReleaseInode + 0x28 + 12 + 8)  // first leaf's ee_start_lo
        let fs = try image.open()
        expectExt4Error(.outOfRange, ["extent", "4294967040", "past the end of the filesystem"]) {
            _ = try GuestPaths.readFile("/etc/os-release", in: fs)
        }
    }

    @Test func anExtentTreeThatPointsAtItselfIsAnErrorNotAHang() throws {
        var image = try Ext4HostileImage.make()
        // Root says depth 2; the index block says depth 1 and points at itself.
        image.put16(2, at: image.fragmentedInode + 0x28 + 6)
        image.put16(1, at: image.fragmentedLeaf + 6)
        image.put32(image.fragmentedLeafBlock, at: image.fragmentedLeaf + 12 + 4)
        image.put16(0, at: image.fragmentedLeaf + 12 + 8)
        let fs = try image.open()
        expectExt4Error(.loop, ["extent", "block \(image.fragmentedLeafBlock)"]) {
            _ = try GuestPaths.readFile("/var/fragmented", in: fs)
        }
        // The same index block claiming its parent's depth: refused before it can recurse.
        var same = try Ext4HostileImage.make()
        same.put16(1, at: same.fragmentedLeaf + 6)
        same.put32(same.fragmentedLeafBlock, at: same.fragmentedLeaf + 12 + 4)
        expectExt4Error(.outOfRange, ["extent header", "depth 1 under a node of depth 1"]) {
            _ = try GuestPaths.readFile("/var/fragmented", in: try same.open())
        }
    }

    @Test func extentCountsBeyondTheNodeAreRejected() throws {
        var image = try Ext4HostileImage.make()
        image.put16(5, at: image.osReleaseInode + 0x28 + 2)  // eh_entries 5 > eh_max 4
        expectExt4Error(.outOfRange, ["5 entries (max 4)"]) { _ = try GuestPaths.readFile("/etc/os-release", in: try image.open()) }
        image = try Ext4HostileImage.make()
        image.put16(60_000, at: image.fragmentedLeaf + 4)  // eh_max far beyond a 4 KiB node
        image.put16(60_000, at: image.fragmentedLeaf + 2)
        expectExt4Error(.outOfRange, ["60000 entries", "at most 340"]) { _ = try GuestPaths.readFile("/var/fragmented", in: try image.open()) }
        image = try Ext4HostileImage.make()
        image.put16(0xBEEF, at: image.fragmentedLeaf)
        expectExt4Error(.badMagic, ["0xbeef", "\(image.fragmentedLeaf)"]) {
            _ = try GuestPaths.readFile("/var/fragmented", in: try image.open())
        }
        image = try Ext4HostileImage.make()
        image.put16(9, at: image.fragmentedInode + 0x28 + 6)
        expectExt4Error(.outOfRange, ["depth 9 is more than 5"]) { _ = try GuestPaths.readFile("/var/fragmented", in: try image.open()) }
    }

    @Test func impossibleDirectoryEntryLengthsAreErrorsNamingTheInodeAndOffset() throws {
        let clean = try Ext4HostileImage.make()
        let etc = clean.etcInode
        var image = clean
        image.put16(0, at: image.etcBlock + 4)  // "."'s rec_len
        expectExt4Error(.outOfRange, ["directory inode \(etc)", "byte 0", "record length 0"]) {
            _ = try image.open().directoryEntries(etc)
        }
        image = clean
        image.put16(8192, at: image.etcBlock + 4)
        expectExt4Error(.outOfRange, ["directory inode \(etc)", "byte 0", "record length 8192 runs past the end of its block"]) {
            _ = try image.open().directoryEntries(etc)
        }
        image = clean
        image.bytes[image.etcBlock + 6] = 200  // "."'s name_len in a 12-byte record
        expectExt4Error(.outOfRange, ["directory inode \(etc)", "byte 0", "name length 200 does not fit its record length 12"]) {
            _ = try image.open().directoryEntries(etc)
        }
        image = clean
        image.put16(14, at: image.etcBlock + 12 + 4)  // ".." rec_len not a multiple of 4
        expectExt4Error(.outOfRange, ["directory inode \(etc)", "byte 12", "record length 14"]) {
            _ = try GuestPaths.list("/etc", in: try image.open())
        }
    }

    @Test func anAbsurdDirectorySizeIsRefusedBeforeReading() throws {
        var image = try Ext4HostileImage.make()
        let fs = try image.open()
        let etcOffset = try fs.rawInode(image.etcInode).record.base
        image.put32(0xFFFF_F000, at: Int(etcOffset) + 0x4)
        image.put32(0xFFFF, at: Int(etcOffset) + 0x6C)
        expectExt4Error(.limit, ["directory inode \(image.etcInode)"]) {
            _ = try image.open().directoryEntries(image.etcInode)
        }
    }

    /// Random damage to the metadata blocks must only ever give `ImageError`s (or readable
    /// data), never a trap, a hang, or a huge allocation.
    @Test func randomMetadataDamageNeverTraps() throws {
        let clean = try Ext4HostileImage.make()
        let blockSize = Ext4HostileImage.blockSize
        let regions: [Range<Int>] = [
            1024..<2048, blockSize..<(2 * blockSize),
            (clean.osReleaseInode & ~(blockSize - 1))..<((clean.osReleaseInode & ~(blockSize - 1)) + blockSize),
            clean.fragmentedLeaf..<(clean.fragmentedLeaf + 256), clean.etcBlock..<(clean.etcBlock + 256),
        ]
        var random = SplitMix64(seed: 0x6b6f_6f70)
        var refused = 0
        for _ in 0..<300 {
            var image = clean
            let region = regions[Int(random.next() % UInt64(regions.count))]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let offset = region.lowerBound + Int(random.next() % UInt64(region.count))
                image.bytes[offset] = UInt8(truncatingIfNeeded: random.next())
            }
            do {
                let fs = try image.open()
                try walk(fs, directory: fs.rootInode, depth: 0)
            } catch is ImageError {
                refused += 1
            } catch {
                Issue.record("not an ImageError: \(error)")
            }
        }
        #expect(refused > 0, "the damage was never noticed")
    }

    /// Reads everything reachable from `directory`, a bounded amount of each.
    private func walk(_ fs: Ext4FileSystem, directory: UInt64, depth: Int) throws {
        guard depth < 6 else { return }
        for entry in try fs.directoryEntries(directory).prefix(64) {
            do {
                let node = try fs.inode(entry.inode)
                switch node.type {
                case .directory: try walk(fs, directory: entry.inode, depth: depth + 1)
                case .regular: _ = try fs.read(entry.inode, at: 0, count: Int(min(node.size, 1 << 20)))
                case .symlink: _ = try fs.symlinkTarget(entry.inode)
                default: break
                }
            } catch let error as ImageError {
                if depth == 0 { throw error }
            }
        }
    }
}

/// A small seeded generator so the damage is the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
