import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// A real XFS image made by mkfs.xfs from a protofile, with the bytes every file should read as.
final class XFSFixture: @unchecked Sendable {
    let directory: Scratch
    private(set) var image = ""
    /// Guest path → expected content.
    var files: [String: [UInt8]] = [:]
    /// Guest path → symlink target.
    var symlinks: [String: String] = [:]
    /// The names in /many (2,000 entries with long names: a leaf/node directory).
    var manyNames: [String] = []
    let blockSize = 4096

    static var available: Bool { Tool.path("mkfs.xfs") != nil && Tool.path("xfs_db") != nil }

    init(crc: Bool) throws {
        directory = try Scratch()
        let src = directory.file("src")
        func add(_ guest: String, _ bytes: [UInt8]) throws -> String {
            files[guest] = bytes
            return try directory.write("src" + guest, bytes)
        }
        let osRelease = try add("/etc/os-release", Array("PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n".utf8))
        let shadow = try add("/etc/shadow", Array("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n".utf8))
        let deep = try add("/etc/nested/deeper/file", FilesystemFixture.pattern(3000, seed: 7))
        var big = FilesystemFixture.pattern(5 << 20, seed: 11)
        let bigPath = try directory.write("src/big", big)
        var sparse = FilesystemFixture.pattern(100_000, seed: 13)
        sparse += [UInt8](repeating: 0, count: 3_000_000)
        sparse += FilesystemFixture.pattern(100_001, seed: 17)
        let sparsePath = try add("/sparse", sparse)
        let tiny = FilesystemFixture.pattern(5000, seed: 19)
        let tinyPath = try directory.write("src/tiny", tiny)
        let longTarget = (0..<60).map { "component\($0)" }.joined(separator: "/")
        symlinks = ["/short": "etc/os-release", "/long": longTarget, "/long2": longTarget + "/2", "/etc/nested/up": "../../etc/shadow"]
        var many = ""
        for i in 0..<2000 {
            let name = String(format: "entry-%04d-", i) + String(repeating: "n", count: 150)
            manyNames.append(name)
            files["/many/" + name] = tiny
            many += "\(name) ---644 0 0 \(tinyPath)\n"
        }
        // 40 entries: more than fits in the inode, less than one directory block (block form).
        var block = ""
        for i in 0..<40 {
            files["/blockdir/file-\(i)"] = files["/etc/os-release"]
            block += "file-\(i) ---644 0 0 \(osRelease)\n"
        }
        let proto = """
            /dummy
            0 0
            d--755 0 0
            etc d--755 0 0
            os-release ---644 0 0 \(osRelease)
            shadow ---640 0 42 \(shadow)
            nested d--755 0 0
            up l--777 0 0 ../../etc/shadow
            deeper d--700 1000 1000
            file ---600 1000 1000 \(deep)
            $
            $
            $
            big ---644 0 0 \(bigPath)
            sparse ---644 0 0 \(sparsePath)
            short l--777 0 0 etc/os-release
            long l--777 0 0 \(longTarget)
            long2 l--777 0 0 \(longTarget)/2
            blockdir d--755 0 0
            \(block)$
            many d--755 0 0
            \(many)$
            $

            """
        _ = src
        try directory.write("proto", Array(proto.utf8))
        image = try directory.sparse("xfs.img", size: 300 << 20)
        try Tool.run("mkfs.xfs", ["-f", "-q", "-m", "crc=\(crc ? 1 : 0)", "-b", "size=4096",
                                               "-p", directory.file("proto"), image])
        // mkfs.xfs writes each file as one extent; split /big's extent into three records with a
        // 100-block hole, the way a fragmented, partly punched file looks.
        let fork = crc ? "u3.bmx" : "u.bmx"
        let map = try Tool.run("xfs_db", ["-r", "-c", "path /big", "-c", "bmap", image])
        guard let start = map.split(separator: " ").drop(while: { $0 != "startblock" }).dropFirst().first.flatMap({ UInt64($0) }) else {
            throw TestFailure("no start block in xfs_db bmap output: \(map)")
        }
        let blocks = UInt64(big.count / blockSize)
        try Tool.run("xfs_db", ["-x", "-c", "path /big", "-c", "write core.nextents 3",
            "-c", "write \(fork)[0].blockcount 100",
            "-c", "write \(fork)[1].startoff 100", "-c", "write \(fork)[1].startblock \(start + 100)",
            "-c", "write \(fork)[1].blockcount 200",
            "-c", "write \(fork)[2].startoff 400", "-c", "write \(fork)[2].startblock \(start + 400)",
            "-c", "write \(fork)[2].blockcount \(blocks - 400)", image])
        big.replaceSubrange((300 * blockSize)..<(400 * blockSize), with: repeatElement(0, count: 100 * blockSize))
        files["/big"] = big
        if crc { try addSymlinkHeader("/long2", target: longTarget + "/2") }
    }

    /// mkfs.xfs's protofile code writes v5 symlink blocks without their header; rewrite the block
    /// of `path` the way the kernel lays it out (XSLM magic, offset, length, CRC, UUID, owner,
    /// block number, LSN, then the target).
    private func addSymlinkHeader(_ path: String, target: String) throws {
        let map = try xfsDB(path: path, "bmap")
        let words = map.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" || $0 == "/" })
        guard let index = words.firstIndex(of: "startblock"), index + 2 < words.count,
              let block = UInt64(words[index + 1]), words[index + 2] == "0" else {
            throw TestFailure("unexpected bmap for \(path): \(map)")
        }
        let inode = try xfsDB(path: path, "p v3.inumber").split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let number = inode.flatMap({ UInt64($0) }) else { throw TestFailure("no inode number for \(path)") }
        var bytes = Array("XSLM".utf8) + be32(0) + be32(UInt32(target.utf8.count)) + be32(0)
        bytes += [UInt8](repeating: 0, count: 16) + be64(number) + be64(block * 8) + be64(0)
        bytes += Array(target.utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
        try handle.seek(toOffset: block * UInt64(blockSize))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    /// What xfs_db prints for `command` on the inode at `path`.
    func xfsDB(path: String, _ command: String) throws -> String {
        try Tool.run("xfs_db", ["-r", "-c", "path \(path)", "-c", command, image])
    }
}

@Suite struct XFSTests {
    func checkEveryFile(crc: Bool) throws {
        let fixture = try XFSFixture(crc: crc)
        let fs = try XFSFileSystem(FileByteSource(path: fixture.image))
        #expect(fs.kind.rawValue == "xfs")
        #expect(fs.superblock.version == (crc ? 5 : 4))
        #expect(fs.superblock.hasFileType)  // mkfs.xfs's default ftype=1, on v4 too
        let rootino = try Tool.run("xfs_db", ["-r", "-c", "sb 0", "-c", "p rootino", fixture.image])
        #expect(rootino.contains("rootino = \(fs.rootInode)"))
        let sampled = Set([0, 999, 1999].map { "/many/" + fixture.manyNames[$0] })
        for (path, expected) in fixture.files where !path.hasPrefix("/many/") || sampled.contains(path) {
            let bytes = try GuestPaths.readFile(path, in: fs)
            #expect(bytes == expected, "\(path)")
        }
        for (path, target) in fixture.symlinks {
            let number = try #require(try GuestPaths.lookup(path, in: fs, followLast: false))
            #expect(try fs.symlinkTarget(number) == target)
        }
        #expect(try GuestPaths.readFile("/short", in: fs) == fixture.files["/etc/os-release"])
        #expect(try GuestPaths.readFile("/etc/nested/up", in: fs) == fixture.files["/etc/shadow"])
        let shadow = try #require(try GuestPaths.stat("/etc/shadow", in: fs))
        #expect(shadow.permissions == 0o640 && shadow.uid == 0 && shadow.gid == 42)
        let deeper = try #require(try GuestPaths.stat("/etc/nested/deeper", in: fs))
        #expect(deeper.type == .directory && deeper.permissions == 0o700 && deeper.uid == 1000)
        let root = try #require(try GuestPaths.list("/", in: fs))
        #expect(Set(root.map(\.name)) == ["etc", "big", "sparse", "short", "long", "long2", "many", "blockdir"])
        let blockdir = try #require(try GuestPaths.list("/blockdir", in: fs))
        #expect(Set(blockdir.map(\.name)) == Set((0..<40).map { "file-\($0)" }))
        #expect(blockdir.allSatisfy { $0.type == .regular })
        // One directory block: the single-block (XD2B/XDB3) form.
        #expect(try fixture.xfsDB(path: "/blockdir", "p core.size").contains("= \(fixture.blockSize)"))
        #expect(try fixture.xfsDB(path: "/blockdir", "p core.format").contains("extents"))
        let many = try #require(try GuestPaths.list("/many", in: fs))
        #expect(many.map(\.name).sorted() == fixture.manyNames)
        // Odd-offset reads across the hole and block boundaries of /big.
        let big = try #require(fixture.files["/big"])
        let number = try #require(try GuestPaths.lookup("/big", in: fs))
        for (offset, count) in [(4095, 3), (300 * 4096 - 7, 20_000), (399 * 4096 + 1, 9000), (big.count - 5, 100)] {
            #expect(try fs.read(number, at: UInt64(offset), count: count) == Array(big[offset..<min(big.count, offset + count)]))
        }
        #expect(try fixture.xfsDB(path: "/big", "p core.nextents").contains("= 3"))
        let manyFormat = try fixture.xfsDB(path: "/many", "p core.format")
        // 2,000 long names interleaved with their files' data fragment the directory past what
        // fits in the inode: its data fork is a block-map B+tree.
        #expect(manyFormat.contains("btree"), "\(manyFormat)")
    }

    @Test(.enabled(if: XFSFixture.available, "mkfs.xfs is not installed"))
    func aV5FilesystemReadsEveryProtofileFileByteForByte() throws {
        try checkEveryFile(crc: true)
    }

    @Test(.enabled(if: XFSFixture.available, "mkfs.xfs is not installed"))
    func aV4FilesystemReadsEveryProtofileFileByteForByte() throws {
        try checkEveryFile(crc: false)
    }
}
