import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// Damaged XFS and FAT filesystems: real images made by mkfs, with one field patched. Each must
/// give a clean `ImageError` naming what is wrong, never a trap or a hang.
@Suite struct XFSHostileTests {
    /// An extent record for `startblock`.
    func extentRecord(fileBlock: UInt64, diskBlock: UInt64, count: UInt64) -> [UInt8] {
        be64((fileBlock << 9) | (diskBlock >> 43)) + be64((diskBlock << 21) | count)
    }

    @Test(.enabled(if: XFSFixture.available, "mkfs.xfs is not installed"))
    func aWrongMagicOrImpossibleGeometryIsRefused() throws {
        let fixture = try XFSFixture(crc: true)
        let base = try FileByteSource(path: fixture.image)
        func refuse(_ offset: UInt64, _ bytes: [UInt8]) -> String? {
            imageErrorMessage { _ = try XFSFileSystem(PatchedByteSource(base, [(offset, bytes)])) }
        }
        #expect(refuse(0, Array("XFSC".utf8))?.contains("magic at offset 0") == true)
        #expect(refuse(4, be32(4097))?.contains("XFS block size at offset 4: 4097") == true)
        #expect(refuse(4, be32(0))?.contains("not a power of two") == true)
        #expect(refuse(88, be32(0))?.contains("allocation group count at offset 88: 0") == true)
        #expect(refuse(84, be32(UInt32.max))?.contains("allocation group size at offset 84") == true)
        #expect(refuse(104, be16(300))?.contains("XFS inode size at offset 104") == true)
        #expect(refuse(100, be16(0xb4a6))?.contains("version at offset 100") == true)
        #expect(refuse(56, be64(UInt64.max))?.contains("lies outside the filesystem") == true)
        let truncated = imageErrorMessage { _ = try XFSFileSystem(SliceByteSource(base, offset: 0, length: 100)) }
        #expect(truncated?.contains("truncated") == true)
    }

    @Test(.enabled(if: XFSFixture.available, "mkfs.xfs is not installed"))
    func inodeNumbersPastTheAllocationGroupsOrWithoutTheirMagicAreRefused() throws {
        let fixture = try XFSFixture(crc: true)
        let base = try FileByteSource(path: fixture.image)
        let fs = try XFSFileSystem(base)
        let sb = fs.superblock
        let agShift = UInt64(sb.agBlockLog) + UInt64(sb.inodesPerBlockLog)
        #expect(imageErrorMessage { _ = try fs.inode(UInt64(sb.agCount) << agShift) }?.contains("lies outside the filesystem") == true)
        #expect(imageErrorMessage { _ = try fs.inode(0) }?.contains("lies outside") == true)
        #expect(imageErrorMessage { _ = try fs.inode(UInt64.max) }?.contains("lies outside") == true)
        // The inode's location agrees with xfs_db's.
        let big = try #require(try GuestPaths.lookup("/big", in: fs))
        let daddr = try Tool.run("xfs_db", ["-r", "-c", "convert inode \(big) daddr", fixture.image])
        #expect(daddr.contains("(\(try fs.inodeOffset(big) / 512))"))
        let damaged = try XFSFileSystem(PatchedByteSource(base, [(try fs.inodeOffset(big), Array("XX".utf8))]))
        #expect(imageErrorMessage { _ = try damaged.inode(big) }?.contains("magic") == true)
        let renumbered = try XFSFileSystem(PatchedByteSource(base, [(try fs.inodeOffset(big) + 152, be64(big + 1))]))
        #expect(imageErrorMessage { _ = try renumbered.inode(big) }?.contains("records inode \(big + 1)") == true)
    }

    @Test(.enabled(if: XFSFixture.available, "mkfs.xfs is not installed"))
    func extentsPointingPastTheFilesystemOrTooManyAreRefused() throws {
        let fixture = try XFSFixture(crc: true)
        let base = try FileByteSource(path: fixture.image)
        let fs = try XFSFileSystem(base)
        let big = try #require(try GuestPaths.lookup("/big", in: fs))
        let fork = try fs.inodeOffset(big) + 176
        let outside = UInt64(fs.superblock.agCount) << UInt64(fs.superblock.agBlockLog)
        let patched = try XFSFileSystem(PatchedByteSource(base, [(fork, extentRecord(fileBlock: 0, diskBlock: outside, count: 100))]))
        #expect(imageErrorMessage { _ = try patched.read(big, at: 0, count: 10) }?.contains("lies past the filesystem") == true)
        let longRun = try XFSFileSystem(PatchedByteSource(base, [(fork, extentRecord(fileBlock: 0, diskBlock: 10, count: (1 << 21) - 1))]))
        #expect(imageErrorMessage { _ = try longRun.read(big, at: 0, count: 10) }?.contains("lies past the filesystem") == true)
        let many = try XFSFileSystem(PatchedByteSource(base, [(try fs.inodeOffset(big) + 76, be32(1_000_000))]))
        #expect(imageErrorMessage { _ = try many.read(big, at: 0, count: 10) }?.contains("do not fit") == true)
    }

    @Test(.enabled(if: XFSFixture.available, "mkfs.xfs is not installed"))
    func aBlockMapTreeWhoseLevelsDoNotDescendIsRefused() throws {
        let fixture = try XFSFixture(crc: true)
        let base = try FileByteSource(path: fixture.image)
        let fs = try XFSFileSystem(base)
        let many = try #require(try GuestPaths.lookup("/many", in: fs))
        let fork = try fs.inodeOffset(many) + 176
        let forkSize = UInt64(fs.superblock.inodeSize) - 176
        let rootLevel = try base.window(at: fork, count: 2, what: "root").u16be(0)
        #expect(rootLevel == 1)
        // The first child block claims the root's own level: a loop in the making.
        let child = try base.window(at: fork + 4 + (forkSize - 4) / 16 * 8, count: 8, what: "ptr").u64be(0)
        let childOffset = try fs.superblock.byteOffset(ofBlock: child, what: "child")
        let looping = try XFSFileSystem(PatchedByteSource(base, [(childOffset + 4, be16(1))]))
        #expect(imageErrorMessage { _ = try looping.directoryEntries(many) }?.contains("its parent expects 0") == true)
        let deep = try XFSFileSystem(PatchedByteSource(base, [(fork, be16(200))]))
        #expect(imageErrorMessage { _ = try deep.directoryEntries(many) }?.contains("root level") == true)
        let wideRoot = try XFSFileSystem(PatchedByteSource(base, [(fork + 2, be16(500))]))
        #expect(imageErrorMessage { _ = try wideRoot.directoryEntries(many) }?.contains("more than the") == true)
        let badMagic = try XFSFileSystem(PatchedByteSource(base, [(childOffset, Array("BMAP".utf8))]))
        #expect(imageErrorMessage { _ = try badMagic.directoryEntries(many) }?.contains("magic") == true)
    }

    @Test(.enabled(if: XFSFixture.available, "mkfs.xfs is not installed"))
    func directoryEntriesWithImpossibleLengthsAreRefused() throws {
        let fixture = try XFSFixture(crc: true)
        let base = try FileByteSource(path: fixture.image)
        let fs = try XFSFileSystem(base)
        let many = try #require(try GuestPaths.lookup("/many", in: fs))
        let extents = try fs.extents(of: try fs.loadInode(many))
        let first = try #require(extents.first { $0.fileBlock == 0 })
        let block = try fs.superblock.byteOffset(ofBlock: first.diskBlock, what: "dir")
        let noName = try XFSFileSystem(PatchedByteSource(base, [(block + 64 + 8, [0])]))
        #expect(imageErrorMessage { _ = try noName.directoryEntries(many) }?.contains("impossible name length 0") == true)
        let unused = try XFSFileSystem(PatchedByteSource(base, [(block + 64, [0xff, 0xff, 0, 3])]))
        #expect(imageErrorMessage { _ = try unused.directoryEntries(many) }?.contains("impossible length 3") == true)
        let tooLong = try XFSFileSystem(PatchedByteSource(base, [(block + 64, [0xff, 0xff, 0xff, 0xf8])]))
        #expect(imageErrorMessage { _ = try tooLong.directoryEntries(many) }?.contains("impossible length") == true)
        let badMagic = try XFSFileSystem(PatchedByteSource(base, [(block, Array("XDB3".utf8))]))
        #expect(imageErrorMessage { _ = try badMagic.directoryEntries(many) }?.contains("bad magic") == true)
        // Short-form /etc: a zero name length, and a count that runs past the inline data.
        let etc = try #require(try GuestPaths.lookup("/etc", in: fs))
        let fork = try fs.inodeOffset(etc) + 176
        let zero = try XFSFileSystem(PatchedByteSource(base, [(fork + 6, [0])]))
        #expect(imageErrorMessage { _ = try zero.directoryEntries(etc) }?.contains("name length at offset") == true)
        let overrun = try XFSFileSystem(PatchedByteSource(base, [(fork, [255])]))
        #expect(imageErrorMessage { _ = try overrun.directoryEntries(etc) }?.contains("truncated") == true)
        let hugeSize = try XFSFileSystem(PatchedByteSource(base, [(try fs.inodeOffset(etc) + 56, be64(1 << 40))]))
        #expect(imageErrorMessage { _ = try hugeSize.directoryEntries(etc) }?.contains("do not fit") == true)
    }
}

@Suite struct VfatHostileTests {
    /// A FAT16 volume with /dir/file.bin (3 clusters of 2 KiB) and the offsets to patch.
    struct Volume {
        let fixture: Scratch
        let base: FileByteSource
        let fs: VfatFileSystem
        let file: UInt64
        let dir: UInt64
        let fileCluster: UInt32
        let dirCluster: UInt32
        func fatEntry(_ cluster: UInt32) -> UInt64 { fs.boot.fatOffset + UInt64(cluster) * 2 }
    }

    func volume() throws -> Volume {
        let directory = try Scratch()
        let image = directory.file("fat.img")
        try Tool.run("mkfs.vfat", ["-C", "-F", "16", "-s", "4", image, "33000"])
        let file = try directory.write("src/dir/file.bin", FilesystemFixture.pattern(6000, seed: 1))
        _ = file
        try Tool.run("mcopy", ["-i", image, "-s", directory.file("src/dir"), "::/"], environment: VfatFixture.mtoolsEnvironment)
        let base = try FileByteSource(path: image)
        let fs = try VfatFileSystem(base)
        let fileNumber = try #require(try GuestPaths.lookup("/dir/file.bin", in: fs))
        let dirNumber = try #require(try GuestPaths.lookup("/dir", in: fs))
        let fileCluster = UInt32(try base.window(at: fileNumber + 26, count: 2, what: "c").u16le(0))
        let dirCluster = UInt32(try base.window(at: dirNumber + 26, count: 2, what: "c").u16le(0))
        return Volume(fixture: directory, base: base, fs: fs, file: fileNumber, dir: dirNumber,
                      fileCluster: fileCluster, dirCluster: dirCluster)
    }

    @Test(.enabled(if: VfatFixture.available, "mkfs.vfat or mtools is not installed"))
    func impossibleBootSectorsAreRefused() throws {
        let v = try volume()
        func refuse(_ offset: UInt64, _ bytes: [UInt8]) -> String? {
            imageErrorMessage { _ = try VfatFileSystem(PatchedByteSource(v.base, [(offset, bytes)])) }
        }
        #expect(refuse(510, [0, 0])?.contains("signature at offset 510") == true)
        #expect(refuse(11, le16(1000))?.contains("bytes per sector at offset 11") == true)
        #expect(refuse(13, [3])?.contains("sectors per cluster at offset 13") == true)
        let noFAT = imageErrorMessage { _ = try VfatFileSystem(PatchedByteSource(v.base, [(22, le16(0)), (36, le32(0))])) }
        #expect(noFAT?.contains("FAT size at offset 22: is 0 sectors") == true)
        #expect(refuse(19, le16(10))?.contains("total sectors") == true)
        #expect(refuse(22, le16(1))?.contains("cannot hold") == true)
        #expect(imageErrorMessage { _ = try VfatFileSystem(MemoryByteSource([1, 2, 3])) }?.contains("truncated") == true)
    }

    @Test(.enabled(if: VfatFixture.available, "mkfs.vfat or mtools is not installed"))
    func aClusterChainThatLoopsIsAnErrorNotAHang() throws {
        let v = try volume()
        #expect(try v.fs.read(v.file, at: 0, count: 6000) == FilesystemFixture.pattern(6000, seed: 1))
        // The file's second cluster points back to its first.
        let next = UInt32(try v.base.window(at: v.fatEntry(v.fileCluster), count: 2, what: "f").u16le(0))
        let loop = try VfatFileSystem(PatchedByteSource(v.base, [(v.fatEntry(next), le16(UInt16(v.fileCluster)))]))
        #expect(imageErrorMessage { _ = try loop.read(v.file, at: 0, count: 6000) }?.contains("loops back to cluster \(v.fileCluster)") == true)
        // A directory whose only cluster points to itself.
        let selfLoop = try VfatFileSystem(PatchedByteSource(v.base, [(v.fatEntry(v.dirCluster), le16(UInt16(v.dirCluster)))]))
        #expect(imageErrorMessage { _ = try selfLoop.directoryEntries(v.dir) }?.contains("loops back") == true)
    }

    @Test(.enabled(if: VfatFixture.available, "mkfs.vfat or mtools is not installed"))
    func clustersOutOfRangeAreRefused() throws {
        let v = try volume()
        let start = try VfatFileSystem(PatchedByteSource(v.base, [(v.file + 26, le16(0xfff0))]))
        #expect(imageErrorMessage { _ = try start.read(v.file, at: 0, count: 10) }?.contains("cluster 65520 is out of range") == true)
        let chain = try VfatFileSystem(PatchedByteSource(v.base, [(v.fatEntry(v.fileCluster), le16(1))]))
        #expect(imageErrorMessage { _ = try chain.read(v.file, at: 0, count: 6000) }?.contains("cluster 1 is out of range") == true)
        let short = try VfatFileSystem(PatchedByteSource(v.base, [(v.fatEntry(v.fileCluster), le16(0xffff))]))
        #expect(imageErrorMessage { _ = try short.read(v.file, at: 0, count: 6000) }?.contains("chain has 1 clusters") == true)
        #expect(imageErrorMessage { _ = try v.fs.inode(7) }?.contains("not the offset of a directory entry") == true)
        #expect(imageErrorMessage { _ = try v.fs.symlinkTarget(v.file) }?.contains("no symbolic links") == true)
    }
}
