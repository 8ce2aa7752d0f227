import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// Journal replay: an ext4 image whose newest file exists only in a committed jbd2 transaction
/// (written with debugfs's journal commands `jo`, `jw`, `jc`, no mount) reads as it will after
/// the guest mounts it; a transaction without its commit block does not count; the image is
/// never written. The truth each case is held to is e2fsck's own recovery (the kernel's
/// recovery code, in e2fsprogs) run on a copy.
@Suite struct Ext4JournalTests {
    static let keyPath = "/root/.ssh/authorized_keys"
    static let keyText = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2VmYWtlZmFrZWZha2VmYWtl seller@laptop\n"

    /// An image that holds `/root/.ssh` but whose `authorized_keys` lives only in the journal:
    /// the blocks that writing the file changes (found by writing it with debugfs into a copy
    /// and comparing) are logged as one transaction into the original with `jw -b`.
    /// `journalOptions` go to `jo` (`-c -v 3` for checksum v3 tags); `mkfsOptions` to mke2fs.
    static func journaledImage(in scratch: Scratch, mkfsOptions: [String] = [], journalOptions: String = "",
                               extra: String = "") throws -> (image: String, blocks: [Int]) {
        let tree = scratch.file("tree")
        try FileManager.default.createDirectory(atPath: tree + "/root/.ssh", withIntermediateDirectories: true)
        try Data("# keys are injected at first boot\n".utf8).write(to: URL(fileURLWithPath: tree + "/root/.ssh/README"))
        let base = scratch.file("base.ext4")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-b", "4096"] + mkfsOptions + ["-d", tree, base, "32M"])
        let written = scratch.file("written.ext4")
        try FileManager.default.copyItem(atPath: base, toPath: written)
        try Data(keyText.utf8).write(to: URL(fileURLWithPath: scratch.file("ak")))
        try Tool.run("debugfs", ["-w", "-R", "write \(scratch.file("ak")) \(keyPath)", written])
        let before = try Data(contentsOf: URL(fileURLWithPath: base))
        let after = try Data(contentsOf: URL(fileURLWithPath: written))
        let blockSize = 4096
        let changed = (0..<(before.count / blockSize)).filter {
            before[($0 * blockSize)..<(($0 + 1) * blockSize)] != after[($0 * blockSize)..<(($0 + 1) * blockSize)]
        }
        var payload = Data()
        for block in changed { payload += after[(block * blockSize)..<((block + 1) * blockSize)] }
        try payload.write(to: URL(fileURLWithPath: scratch.file("blocks.bin")))
        let image = scratch.file("journaled.ext4")
        try FileManager.default.copyItem(atPath: base, toPath: image)
        let commands = "jo \(journalOptions)\njw -b \(changed.map(String.init).joined(separator: ",")) \(scratch.file("blocks.bin"))\n\(extra)jc\n"
        try Data(commands.utf8).write(to: URL(fileURLWithPath: scratch.file("commands")))
        try Tool.run("debugfs", ["-w", "-f", scratch.file("commands"), image])
        return (image, changed)
    }

    /// The file as debugfs reads it from `image` (nil when absent), after e2fsck's journal
    /// recovery on a copy when `recovered`.
    static func debugfsRead(_ image: String, recovered: Bool, scratch: Scratch) throws -> [UInt8]? {
        var path = image
        if recovered {
            path = scratch.file("recovered-" + UUID().uuidString)
            try FileManager.default.copyItem(atPath: image, toPath: path)
            try Tool.run("e2fsck", ["-fy", path], accept: [0, 1])
        }
        let out = scratch.file("dump-" + UUID().uuidString)
        try Tool.run("debugfs", ["-R", "dump \(keyPath) \(out)", path])
        return FileManager.default.contents(atPath: out).map { [UInt8]($0) }
    }

    static func sha256(_ path: String) throws -> String {
        String(try Tool.run("sha256sum", [path]).prefix(64))
    }

    /// Opens `image` with koopack and reads the key file; checks the image is unchanged.
    static func koopackRead(_ image: String) throws -> (bytes: [UInt8]?, state: Ext4JournalState) {
        let digest = try sha256(image)
        let fs = try Ext4FileSystem(FileByteSource(path: image))
        let bytes = try GuestPaths.readFile(keyPath, in: fs)
        #expect(try sha256(image) == digest, "reading must never write the image")
        return (bytes, fs.journal)
    }

    @Test(arguments: [
        ("64-bit tags, no checksums", [String](), ""),
        ("32-bit tags", ["-O", "^64bit"], ""),
        ("checksum v2 tags", [], "-c -v 2"),
        ("checksum v3 tags", [], "-c -v 3"),
        ("32-bit checksum v3 tags", ["-O", "^64bit"], "-c -v 3"),
    ])
    func aCommittedTransactionIsReplayedAsE2fsckRecoversIt(_ name: String, _ mkfs: [String], _ journal: String) throws {
        guard Ext4Tools.available else { return }
        let scratch = try Scratch()
        let (image, blocks) = try Self.journaledImage(in: scratch, mkfsOptions: mkfs, journalOptions: journal)
        // The fixture is what it claims: the file is only in the journal.
        #expect(try Self.debugfsRead(image, recovered: false, scratch: scratch) == nil, "\(name)")
        #expect(try Self.debugfsRead(image, recovered: true, scratch: scratch) == Array(Self.keyText.utf8), "\(name)")
        let (bytes, state) = try Self.koopackRead(image)
        #expect(bytes == Array(Self.keyText.utf8), "\(name)")
        #expect(state == .replayed(transactions: 1, blocks: blocks.count), "\(name)")
    }

    @Test func aTransactionWithoutItsCommitBlockIsDiscarded() throws {
        guard Ext4Tools.available else { return }
        let scratch = try Scratch()
        let (image, _) = try Self.journaledImage(in: scratch, journalOptions: "-c -v 3")
        // The transaction stays uncommitted: its commit block is zeroed where debugfs places it.
        try JournalCommit.zeroFirst(in: image)

        #expect(try Self.debugfsRead(image, recovered: true, scratch: scratch) == nil)
        let (bytes, state) = try Self.koopackRead(image)
        #expect(bytes == nil)
        #expect(state == .replayed(transactions: 0, blocks: 0))
    }

    @Test func aBlockRevokedByALaterTransactionIsNotReplayed() throws {
        guard Ext4Tools.available else { return }
        let scratch = try Scratch()
        // Find the file's data block first, from the copy debugfs wrote it into.
        let (probe, _) = try Self.journaledImage(in: scratch)
        let recovered = scratch.file("probe-recovered")
        try FileManager.default.copyItem(atPath: probe, toPath: recovered)
        try Tool.run("e2fsck", ["-fy", recovered], accept: [0, 1])
        let dataBlock = try #require(Int(try Tool.run("debugfs", ["-R", "bmap \(Self.keyPath) 0", recovered])
            .trimmingCharacters(in: .whitespacesAndNewlines)))

        let second = try Scratch()
        let (image, _) = try Self.journaledImage(in: second, extra: "jc\njo\njw -r \(dataBlock)\n")
        let truth = try Self.debugfsRead(image, recovered: true, scratch: second)
        #expect(truth != nil && truth != Array(Self.keyText.utf8), "the revoked data block is not the key")
        let (bytes, state) = try Self.koopackRead(image)
        #expect(bytes == truth)
        guard case let .replayed(transactions, _) = state else { Issue.record("not replayed: \(state)"); return }
        #expect(transactions == 2)
    }

    @Test func aLoggedDataBlockWhoseChecksumFailsIsSkippedAsE2fsckSkipsIt() throws {
        guard Ext4Tools.available else { return }
        let scratch = try Scratch()
        let (image, _) = try Self.journaledImage(in: scratch, journalOptions: "-c -v 3")
        // Find the logged copy of the key's data block among the journal's first blocks and
        // damage it past its first bytes.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        var damaged = false
        for logical in 1..<32 where !damaged {
            let physical = try #require(Int(try Tool.run("debugfs", ["-R", "bmap <8> \(logical)", image])
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            try handle.seek(toOffset: UInt64(physical) * 4096)
            guard let block = try handle.read(upToCount: 4096), block.starts(with: Data(Self.keyText.utf8)) else { continue }
            try handle.seek(toOffset: UInt64(physical) * 4096 + 20)
            try handle.write(contentsOf: Data("XXXX".utf8))
            damaged = true
        }
        try handle.close()
        #expect(damaged)
        let truth = try Self.debugfsRead(image, recovered: true, scratch: scratch)
        #expect(truth != nil && truth != Array(Self.keyText.utf8), "e2fsck keeps the inode but not the damaged data block")
        #expect(try Self.koopackRead(image).bytes == truth)
    }

    @Test func aCleanlyUnmountedJournalCostsNoReadBeyondTheSuperblock() throws {
        guard Ext4Tools.available else { return }
        let scratch = try Scratch()
        let image = scratch.file("clean.ext4")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", image, "16M"])
        let counting = CountingByteSource(try FileByteSource(path: image))
        let fs = try Ext4FileSystem(counting)
        #expect(fs.journal == .clean)
        #expect(counting.reads == 1)
        let ext2 = scratch.file("plain.ext2")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext2", ext2, "4M"])
        #expect(try Ext4FileSystem(FileByteSource(path: ext2)).journal == Ext4JournalState.none)
    }

    @Test func aDamagedJournalSuperblockLeavesTheFilesystemReadableAsOnDisk() throws {
        guard Ext4Tools.available else { return }
        let scratch = try Scratch()
        let (image, _) = try Self.journaledImage(in: scratch, journalOptions: "-c -v 3")
        let journalStart = try #require(Int(try Tool.run("debugfs", ["-R", "bmap <8> 0", image])
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // Flip a byte of the journal superblock's UUID: its checksum no longer matches.
        let patched = PatchedByteSource(try FileByteSource(path: image), [(offset: UInt64(journalStart) * 4096 + 0x30, bytes: [0x5A])])
        let fs = try Ext4FileSystem(patched)
        guard case let .notReplayed(reason) = fs.journal else { Issue.record("replayed: \(fs.journal)"); return }
        #expect(reason.contains("jbd2 superblock checksum"))
        #expect(try GuestPaths.readFile(Self.keyPath, in: fs) == nil)
        #expect(try GuestPaths.readFile("/root/.ssh/README", in: fs) != nil)
    }
}
