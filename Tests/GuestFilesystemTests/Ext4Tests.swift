import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// e2fsprogs, which the ext4 fixtures are made and checked with.
enum Ext4Tools {
    static var available: Bool { Tool.exists("mke2fs", "e2fsck", "debugfs") }
}

/// Deterministic, block-unaligned content so a misplaced block never compares equal.
func ext4Pattern(_ count: Int, seed: UInt32) -> [UInt8] {
    var state = seed | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return UInt8(truncatingIfNeeded: state)
    }
}

/// The guest tree the tests put into each filesystem with `mke2fs -d`, and what it should read back as.
struct Ext4SampleTree {
    var root: String
    /// Guest path → content of each regular file.
    var files: [String: [UInt8]] = [:]
    /// Guest path → the names it holds.
    var directories: [String: Set<String>] = [:]
    /// Guest path → symlink target, with the guest path it resolves to (nil for a loop).
    var symlinks: [String: (target: String, resolves: String?)] = [:]
    /// Guest path → permission bits set on the host.
    var permissions: [String: UInt16] = [:]
    /// A sparse file larger than `GuestPaths.maxWholeFile` (read in pieces): its size and its
    /// data pieces. Its tail needs triple indirect blocks with 1 KiB blocks.
    static let farSparsePath = "/var/far-sparse"
    static let farSparsePieces: [(offset: Int, bytes: [UInt8])] = [
        (0, ext4Pattern(1000, seed: 21)), ((65 << 20) + 123, ext4Pattern(2000, seed: 22)),
    ]
    static let farSparseSize = (65 << 20) + 123 + 2000

    static let deepPath = "/deep/" + (0..<30).map { String(format: "d%02d", $0) }.joined(separator: "/")
    static let manyEntries = 5000

    /// Builds the tree under `root`. `largeSize` is the size of the big patterned file.
    static func create(at root: String, largeSize: Int = 6 << 20, manyEntries: Int = manyEntries) throws -> Ext4SampleTree {
        var tree = Ext4SampleTree(root: root)
        let fm = FileManager.default
        func host(_ guest: String) -> String { root + guest }
        func mkdir(_ guest: String) throws {
            try fm.createDirectory(atPath: host(guest), withIntermediateDirectories: true)
            var path = guest
            while path != "/" && !path.isEmpty {
                let parent = (path as NSString).deletingLastPathComponent
                tree.directories[parent, default: []].insert((path as NSString).lastPathComponent)
                tree.directories[path, default: []].formUnion([])
                path = parent
            }
        }
        func write(_ guest: String, _ bytes: [UInt8], mode: UInt16? = nil) throws {
            try mkdir((guest as NSString).deletingLastPathComponent)
            try Data(bytes).write(to: URL(fileURLWithPath: host(guest)))
            tree.files[guest] = bytes
            tree.directories[(guest as NSString).deletingLastPathComponent, default: []].insert((guest as NSString).lastPathComponent)
            if let mode {
                try fm.setAttributes([.posixPermissions: Int(mode)], ofItemAtPath: host(guest))
                tree.permissions[guest] = mode
            }
        }
        func link(_ guest: String, _ target: String, resolves: String?) throws {
            try fm.createSymbolicLink(atPath: host(guest), withDestinationPath: target)
            tree.symlinks[guest] = (target, resolves)
            tree.directories[(guest as NSString).deletingLastPathComponent, default: []].insert((guest as NSString).lastPathComponent)
        }
        try mkdir("/")
        try write("/etc/os-release", Array("NAME=\"Koopack Linux\"\nID=koopack\nVERSION_ID=\"1.0\"\nPRETTY_NAME=\"Koopack Linux 1.0 (test image)\"\n".utf8))
        try write("/etc/shadow", Array("root:$6$salt$hash:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n".utf8), mode: 0o640)
        try write("/etc/passwd", Array("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n".utf8))
        try write("/etc/hostname", Array("guest\n".utf8))
        try write("/usr/share/zoneinfo/UTC", Array("TZif2 UTC zone data\n".utf8))
        try write("/root/.ssh/authorized_keys", Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKoopack test@key\n".utf8), mode: 0o600)
        try write("/home/alice/.bash_history", Array((0..<200).map { "echo line \($0)\n" }.joined().utf8))
        try write("/var/large.bin", ext4Pattern(largeSize, seed: 0x1234_5678))
        try write(deepPath + "/leaf.txt", Array("at the bottom of thirty directories\n".utf8))

        // A sparse file: data, a hole, data, a hole, a short tail.
        try mkdir("/var")
        var sparse = [UInt8](repeating: 0, count: 5 << 20 + 777)
        let pieces: [(Int, [UInt8])] = [(0, ext4Pattern(10_000, seed: 7)), (3 << 20, ext4Pattern(10_000, seed: 8)),
                                        (5 << 20, ext4Pattern(777, seed: 9))]
        _ = fm.createFile(atPath: host("/var/sparse.img"), contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: host("/var/sparse.img")))
        for (offset, bytes) in pieces {
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data(bytes))
            sparse.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        try handle.close()
        tree.files["/var/sparse.img"] = sparse
        tree.directories["/var", default: []].insert("sparse.img")

        _ = fm.createFile(atPath: host(farSparsePath), contents: nil)
        let farHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: host(farSparsePath)))
        for (offset, bytes) in farSparsePieces {
            try farHandle.seek(toOffset: UInt64(offset))
            try farHandle.write(contentsOf: Data(bytes))
        }
        try farHandle.close()
        tree.directories["/var", default: []].insert("far-sparse")

        // Many small extents (data every 256 KiB) so the extent tree needs an index level.
        _ = fm.createFile(atPath: host("/var/fragmented"), contents: nil)
        var fragmented = [UInt8](repeating: 0, count: 11 * (256 << 10) + 4096)
        let fragmentHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: host("/var/fragmented")))
        for i in 0..<12 {
            let bytes = ext4Pattern(4096, seed: UInt32(100 + i))
            try fragmentHandle.seek(toOffset: UInt64(i * (256 << 10)))
            try fragmentHandle.write(contentsOf: Data(bytes))
            fragmented.replaceSubrange(i * (256 << 10)..<(i * (256 << 10) + 4096), with: bytes)
        }
        try fragmentHandle.close()
        tree.files["/var/fragmented"] = fragmented
        tree.directories["/var", default: []].insert("fragmented")

        try mkdir("/many")
        for i in 0..<manyEntries {
            let name = String(format: "entry-%05d", i)
            _ = fm.createFile(atPath: host("/many/" + name), contents: nil)
            tree.directories["/many", default: []].insert(name)
        }
        tree.files["/many/entry-00042"] = []
        try mkdir("/home/alice")
        try link("/etc/localtime", "../usr/share/zoneinfo/UTC", resolves: "/usr/share/zoneinfo/UTC")
        try link("/os-release", "/etc/os-release", resolves: "/etc/os-release")
        try link("/home/alice/leaf", deepPath + "/leaf.txt", resolves: deepPath + "/leaf.txt")
        try link("/home/alice/deep", "../.." + deepPath, resolves: deepPath)
        try link("/loop-a", "loop-b", resolves: nil)
        try link("/loop-b", "/loop-a", resolves: nil)
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: host("/root/.ssh"))
        tree.permissions["/root/.ssh"] = 0o700
        return tree
    }
}

/// One way of making the filesystem: the mke2fs type and options, and what they imply.
struct Ext4Variant: Sendable, CustomStringConvertible {
    var type: String
    var options: [String]
    var blockSize: UInt64
    var size = "96M"
    var expectedFeatures: [String] = []
    var absentFeatures: [String] = []
    var description: String { ([type] + options).joined(separator: " ") }

    static let label = "koopack-root"
    static let uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    static let all: [Ext4Variant] = [
        Ext4Variant(type: "ext4", options: ["-b", "4096"], blockSize: 4096,
                    expectedFeatures: ["extent", "flex_bg", "filetype", "dir_index"]),
        Ext4Variant(type: "ext4", options: ["-b", "1024", "-I", "128"], blockSize: 1024, expectedFeatures: ["extent"]),
        Ext4Variant(type: "ext4", options: ["-O", "inline_data", "-I", "256", "-b", "4096"], blockSize: 4096,
                    expectedFeatures: ["inline_data"]),
        Ext4Variant(type: "ext4", options: ["-O", "^extents,^64bit", "-b", "4096"], blockSize: 4096,
                    absentFeatures: ["extent", "64bit"]),
        Ext4Variant(type: "ext4", options: ["-O", "64bit,meta_bg,^resize_inode", "-b", "1024", "-i", "32768"],
                    blockSize: 1024, size: "200M", expectedFeatures: ["meta_bg", "64bit"]),
        Ext4Variant(type: "ext4", options: ["-b", "65536", "-N", "8192"], blockSize: 65536, size: "256M"),
        Ext4Variant(type: "ext3", options: ["-b", "4096", "-I", "128"], blockSize: 4096,
                    expectedFeatures: ["has_journal"], absentFeatures: ["extent"]),
        Ext4Variant(type: "ext2", options: ["-b", "1024"], blockSize: 1024, absentFeatures: ["has_journal", "extent"]),
        Ext4Variant(type: "ext2", options: ["-b", "4096", "-O", "^filetype,^dir_index"], blockSize: 4096,
                    absentFeatures: ["filetype"]),
    ]

    /// Makes the filesystem image from `tree` in `scratch`, indexing directories with `e2fsck -D`
    /// (mke2fs -d writes them linear) when the filesystem has dir_index.
    func makeImage(from tree: Ext4SampleTree, in scratch: Scratch) throws -> String {
        let image = scratch.file("fs.img")
        try Tool.run("mke2fs", ["-q", "-F", "-t", type, "-L", Self.label, "-U", Self.uuid,
                                     "-E", "root_owner=0:0", "-d", tree.root] + options + [image, size])
        try Tool.run("e2fsck", ["-fyD", image], accept: [0, 1])
        return image
    }
}

@Suite struct Ext4Tests {
    @Test(.enabled(if: Ext4Tools.available, "e2fsprogs is not installed"), arguments: Ext4Variant.all)
    func everyFileDirectoryAndSymlinkReadsBackAsCreated(_ variant: Ext4Variant) throws {
        let scratch = try Scratch()
        let tree = try Ext4SampleTree.create(at: scratch.file("root"))
        let image = try variant.makeImage(from: tree, in: scratch)
        let fs = try Ext4FileSystem(FileByteSource(path: image))

        #expect(fs.kind.rawValue == variant.type)
        #expect(fs.superblock.label == Ext4Variant.label)
        #expect(fs.superblock.uuid == Ext4Variant.uuid)
        #expect(fs.superblock.blockSize == variant.blockSize)
        for feature in variant.expectedFeatures { #expect(fs.superblock.features.contains(feature), "\(feature)") }
        for feature in variant.absentFeatures { #expect(!fs.superblock.features.contains(feature), "\(feature)") }

        for (path, bytes) in tree.files {
            let read = try GuestPaths.readFile(path, in: fs)
            #expect(read == bytes, "\(path): \(read?.count ?? -1) bytes read, \(bytes.count) expected")
        }
        for (path, names) in tree.directories {
            let listed = try #require(try GuestPaths.list(path, in: fs), "\(path) is missing")
            var expected = names
            if path == "/" { expected.insert("lost+found") }
            #expect(Set(listed.map(\.name)) == expected, "\(path)")
            #expect(listed.count == expected.count, "\(path) lists a name twice")
        }
        for (path, link) in tree.symlinks {
            let number = try #require(try GuestPaths.lookup(path, in: fs, followLast: false))
            #expect(try fs.inode(number).type == .symlink)
            #expect(try fs.symlinkTarget(number) == link.target, "\(path)")
            if let resolves = link.resolves {
                #expect(try GuestPaths.lookup(path, in: fs) == GuestPaths.lookup(resolves, in: fs, followLast: false), "\(path)")
            } else {
                #expect(throws: ImageError.self) { try GuestPaths.lookup(path, in: fs) }
            }
        }
        for (path, mode) in tree.permissions {
            #expect(try GuestPaths.stat(path, in: fs)?.permissions == mode, "\(path)")
        }
        let hostOwner = try FileManager.default.attributesOfItem(atPath: tree.root + "/etc/shadow")
        let shadow = try #require(try GuestPaths.stat("/etc/shadow", in: fs))
        #expect(Int(shadow.uid) == (hostOwner[.ownerAccountID] as? NSNumber)?.intValue)
        #expect(try fs.inode(fs.rootInode).uid == 0)
        if fs.superblock.features.contains("meta_bg") {
            // Some inodes must sit in groups whose descriptors live in the second meta group.
            let descriptorsPerBlock = fs.superblock.blockSize / UInt64(fs.superblock.descriptorSize)
            let highest = try #require(try GuestPaths.list("/many", in: fs)?.map(\.inode).max())
            #expect((highest - 1) / UInt64(fs.superblock.inodesPerGroup) >= descriptorsPerBlock)
        }
        #expect(try GuestPaths.readFile("/home/alice/deep/leaf.txt", in: fs) == tree.files[Ext4SampleTree.deepPath + "/leaf.txt"])
    }

    @Test(.enabled(if: Ext4Tools.available, "e2fsprogs is not installed"), arguments: Ext4Variant.all.filter { ["ext4 -b 4096", "ext2 -b 1024", "ext4 -O ^extents,^64bit -b 4096"].contains($0.description) })
    func oddReadsAcrossBlockBoundariesMatchTheOriginal(_ variant: Ext4Variant) throws {
        let scratch = try Scratch()
        let tree = try Ext4SampleTree.create(at: scratch.file("root"), manyEntries: 10)
        let fs = try Ext4FileSystem(FileByteSource(path: try variant.makeImage(from: tree, in: scratch)))
        for path in ["/var/large.bin", "/var/sparse.img", "/var/fragmented"] {
            let original = try #require(tree.files[path])
            let number = try #require(try GuestPaths.lookup(path, in: fs))
            for (offset, count) in [(0, 1), (1023, 2), (4095, 10_001), (12 * 1024 - 3, 300 * 1024), (3 << 20 - 5, 11),
                                    (original.count - 7, 100), (original.count, 10), (original.count + 4096, 1)] {
                let expected = Array(original.dropFirst(offset).prefix(count))
                #expect(try fs.read(number, at: UInt64(offset), count: count) == expected, "\(path) @\(offset)+\(count)")
            }
        }
        // Past GuestPaths.maxWholeFile: read whole it is refused, in pieces it reads.
        let far = try #require(try GuestPaths.lookup(Ext4SampleTree.farSparsePath, in: fs))
        #expect(try fs.inode(far).size == UInt64(Ext4SampleTree.farSparseSize))
        #expect(throws: ImageError.self) { try GuestPaths.readFile(Ext4SampleTree.farSparsePath, in: fs) }
        for (offset, bytes) in Ext4SampleTree.farSparsePieces {
            let padded = bytes + [UInt8](repeating: 0, count: 50)
            let expected = Array(padded.prefix(Ext4SampleTree.farSparseSize - offset))
            #expect(try fs.read(far, at: UInt64(offset), count: bytes.count + 50) == expected)
            #expect(try fs.read(far, at: UInt64(offset) - (offset > 0 ? 10 : 0), count: 10) ==
                    (offset > 0 ? [UInt8](repeating: 0, count: 10) : Array(bytes.prefix(10))))
        }
        #expect(try fs.read(far, at: 40 << 20, count: 3000) == [UInt8](repeating: 0, count: 3000))
    }

    @Test(.enabled(if: Ext4Tools.available, "e2fsprogs is not installed"))
    func theLayoutsTheTestsMeanToCoverAreReallyThere() throws {
        // Guards the other tests against mke2fs quietly choosing another layout.
        let scratch = try Scratch()
        let tree = try Ext4SampleTree.create(at: scratch.file("root"), largeSize: 1 << 20)
        let inline = try #require(Ext4Variant.all.first { $0.options.contains("inline_data") })
        let image = try inline.makeImage(from: tree, in: scratch)
        let fs = try Ext4FileSystem(FileByteSource(path: image))
        let hostname = try fs.rawInode(try #require(try GuestPaths.lookup("/etc/hostname", in: fs)))
        #expect(hostname.has(Ext4Inode.inlineDataFlag))
        let osRelease = try fs.rawInode(try #require(try GuestPaths.lookup("/etc/os-release", in: fs)))
        #expect(osRelease.has(Ext4Inode.inlineDataFlag) && osRelease.size > 60, "inline data continued in system.data")
        let ssh = try fs.rawInode(try #require(try GuestPaths.lookup("/root/.ssh", in: fs)))
        #expect(ssh.has(Ext4Inode.inlineDataFlag), "a small directory is inline")
        let many = try fs.rawInode(try #require(try GuestPaths.lookup("/many", in: fs)))
        #expect(many.flags & 0x1000 != 0, "/many is an htree directory")
        let fragmented = try fs.rawInode(try #require(try GuestPaths.lookup("/var/fragmented", in: fs)))
        #expect(try fragmented.blockArea().u16le(6) >= 1, "/var/fragmented has an extent index level")
        let slow = try fs.rawInode(try #require(try GuestPaths.lookup("/home/alice/leaf", in: fs, followLast: false)))
        #expect(slow.sectors > 0, "a long target is a slow symlink")
        let fast = try fs.rawInode(try #require(try GuestPaths.lookup("/os-release", in: fs, followLast: false)))
        #expect(!fast.has(Ext4Inode.extentsFlag) && fast.sectors == 0, "a short target is a fast symlink")
    }

    @Test(.enabled(if: Ext4Tools.available, "e2fsprogs is not installed"))
    func readingOsReleaseFromATwoGiBFilesystemReadsUnderOneMiB() throws {
        let scratch = try Scratch()
        let root = scratch.file("root")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        let content = Array("ID=koopack\n".utf8)
        try Data(content).write(to: URL(fileURLWithPath: root + "/etc/os-release"))
        let image = scratch.file("big.img")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-d", root, image, "2G"])
        let counting = CountingByteSource(try FileByteSource(path: image))
        #expect(counting.size == 2 << 30)
        let fs = try Ext4FileSystem(counting)
        #expect(try GuestPaths.readFile("/etc/os-release", in: fs) == content)
        #expect(counting.bytesRead < 1 << 20, "read \(counting.bytesRead) bytes")
    }
}
