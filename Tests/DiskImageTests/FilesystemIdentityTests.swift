import Foundation
import Testing
@testable import DiskImage

/// UUIDs and labels read the way `blkid` reads them, checked against `blkid -p` (libblkid's
/// low-level probe) on volumes made by each mkfs at test time, and MBR/GPT PARTUUIDs checked
/// against `partx` (libblkid's partition probe).
@Suite struct FilesystemIdentityTests {
    /// What `blkid -p` (the low-level probe) says of `path`: TYPE, UUID and LABEL, each asked
    /// for alone with `-o value`, which prints the value as it is (`-o export` escapes it).
    static func blkid(_ path: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for tag in ["TYPE", "UUID", "LABEL"] {
            let output = try Tool.run("blkid", ["-p", "-o", "value", "-s", tag, path])
            if output.hasSuffix("\n") { values[tag] = String(output.dropLast()) }
        }
        return values
    }

    /// Makes a volume with `make` in a fresh directory and checks koopack's identity of it
    /// against blkid's, by the TYPE blkid gives.
    static func check(_ name: String, size: UInt64, _ make: (String) throws -> Void,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let directory = try Scratch()
        let path = directory.file(name)
        try DiskTool.sparseFile(path, bytes: size)
        try make(path)
        try checkFile(path, sourceLocation: sourceLocation)
    }

    static func checkFile(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let truth = try blkid(path)
        let kind = try #require(truth["TYPE"], sourceLocation: sourceLocation)
        let identity = try FilesystemIdentity.read(kind: kind, in: FileByteSource(path: path))
        #expect(identity?.uuid == truth["UUID"], "\(kind) UUID", sourceLocation: sourceLocation)
        #expect(identity?.label == truth["LABEL"], "\(kind) LABEL", sourceLocation: sourceLocation)
    }

    @Test func extFilesystemsMatchBlkid() throws {
        guard Tool.exists("mkfs.ext4", "blkid") else { return }
        for (type, label) in [("ext2", "boot"), ("ext3", "root fs"), ("ext4", "r\u{e9}sum\u{e9}"), ("ext4", "")] {
            try Self.check("\(type).img", size: 8 << 20) { path in
                try Tool.run("mkfs.ext4", ["-q", "-F", "-t", type] + (label.isEmpty ? [] : ["-L", label]) + [path])
            }
        }
    }

    @Test func xfsMatchesBlkid() throws {
        guard Tool.exists("mkfs.xfs", "blkid") else { return }
        try Self.check("xfs.img", size: 300 << 20) { try Tool.run("mkfs.xfs", ["-q", "-L", "data", $0]) }
        try Self.check("xfs-nolabel.img", size: 300 << 20) { try Tool.run("mkfs.xfs", ["-q", $0]) }
    }

    @Test func fatVolumesMatchBlkidIncludingTheRootDirectoryLabel() throws {
        guard Tool.exists("mkfs.vfat", "blkid") else { return }
        for (bits, megabytes) in [(12, 2), (16, 16), (32, 40)] {
            try Self.check("fat\(bits).img", size: UInt64(megabytes) << 20) {
                try Tool.run("mkfs.vfat", ["-F", "\(bits)", "-n", "EFI-\(bits)", $0])
            }
            try Self.check("fat\(bits)-nolabel.img", size: UInt64(megabytes) << 20) {
                try Tool.run("mkfs.vfat", ["-F", "\(bits)", $0])
            }
        }
        // A label set afterwards by mtools, which writes the root directory's label entry.
        guard Tool.exists("mlabel") else { return }
        for bits in [16, 32] {
            try Self.check("fat\(bits)-mlabel.img", size: 40 << 20) { path in
                try Tool.run("mkfs.vfat", ["-F", "\(bits)", path])
                try Tool.run("mlabel", ["-i", path, "::RELABELED"], environment: ["MTOOLS_SKIP_CHECK": "1"])
            }
        }
    }

    @Test func swapMatchesBlkid() throws {
        guard Tool.exists("mkswap", "blkid") else { return }
        try Self.check("swap.img", size: 4 << 20) { try Tool.run("mkswap", ["-L", "swap0", $0]) }
        try Self.check("swap-nolabel.img", size: 4 << 20) { try Tool.run("mkswap", [$0]) }
    }

    @Test func btrfsNTFSExFATAndISO9660MatchBlkid() throws {
        if Tool.exists("mkfs.btrfs", "blkid") {
            try Self.check("btrfs.img", size: 128 << 20) { try Tool.run("mkfs.btrfs", ["-q", "-L", "pool", $0]) }
        }
        if Tool.exists("mkfs.ntfs", "blkid") {
            try Self.check("ntfs.img", size: 16 << 20) { try Tool.run("mkfs.ntfs", ["-q", "-F", "-f", "-L", "Win Data", $0]) }
            try Self.check("ntfs-nolabel.img", size: 16 << 20) { try Tool.run("mkfs.ntfs", ["-q", "-F", "-f", $0]) }
        }
        if Tool.exists("mkfs.exfat", "blkid") {
            try Self.check("exfat.img", size: 16 << 20) { try Tool.run("mkfs.exfat", ["-L", "Data Vol", $0]) }
            try Self.check("exfat-nolabel.img", size: 16 << 20) { try Tool.run("mkfs.exfat", [$0]) }
        }
        if Tool.exists("xorriso", "blkid") {
            let directory = try Scratch()
            let tree = directory.file("tree")
            try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
            try Data("hello\n".utf8).write(to: URL(fileURLWithPath: tree + "/readme.txt"))
            try Tool.run("xorriso", ["-as", "mkisofs", "-quiet", "-V", "KOOPACK_ISO", "-o", directory.file("a.iso"), tree])
            try Self.checkFile(directory.file("a.iso"))
        }
    }

    @Test func lvmAndLUKSMatchBlkid() throws {
        guard Tool.exists("blkid") else { return }
        let lvm = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("testdata/lvm/lvm-linear.img").path
        try Self.checkFile(lvm)
        guard Tool.exists("cryptsetup") else { return }
        for type in ["luks1", "luks2"] {
            try Self.check("\(type).img", size: 18 << 20) { path in
                try Tool.run("cryptsetup", ["luksFormat", "--batch-mode", "--type", type, "--pbkdf", "pbkdf2",
                                                "--pbkdf-force-iterations", "1000", "--key-file", "-", path]
                                 + (type == "luks2" ? ["--label", "vault"] : []), input: "secret")
            }
        }
    }

    @Test func mbrAndGPTPartitionUUIDsMatchPartx() throws {
        guard Tool.exists("sfdisk", "partx") else { return }
        let directory = try Scratch()
        let mbr = directory.file("mbr.raw")
        try DiskTool.sparseFile(mbr, bytes: 64 << 20)
        try Tool.run("sfdisk", ["-q", mbr], input: """
            label: dos
            label-id: 0x1a2b3c4d
            start=2048, size=8192, type=83
            start=10240, size=40960, type=5
            start=12288, size=4096, type=83
            start=18432, size=4096, type=82

            """)
        let view = try GuestView.read(from: FileByteSource(path: mbr))
        let partx = try Tool.run("partx", ["-g", "-o", "NR,UUID", mbr]).split(separator: "\n").map { $0.split(separator: " ") }
        let expected = Dictionary(uniqueKeysWithValues: partx.compactMap { row -> (Int, String)? in
            guard row.count == 2, let number = Int(row[0]) else { return nil }
            return (number, String(row[1]))
        })
        let logical = view.partitions.filter { !$0.isExtended }
        #expect(logical.map(\.index) == [1, 5, 6])
        for partition in logical {
            #expect(FilesystemIdentity.mbrPartitionUUID(diskID: view.diskID ?? "", partition: partition.index) == expected[partition.index])
        }
        #expect(FilesystemIdentity.mbrPartitionUUID(diskID: "0x00000000", partition: 1) == nil)

        let gpt = directory.file("gpt.raw")
        try DiskTool.sparseFile(gpt, bytes: 64 << 20)
        try Tool.run("sfdisk", ["-q", gpt], input: "label: gpt\nstart=2048, size=8192, type=U, name=\"EFI System\"\nstart=10240, size=8192, type=L, name=root\n")
        let gptView = try GuestView.read(from: FileByteSource(path: gpt))
        let gptRows = try Tool.run("partx", ["-g", "-o", "UUID", gpt]).split(separator: "\n").map { String($0) }
        #expect(gptView.partitions.compactMap(\.partitionGUID) == gptRows)
    }
}
