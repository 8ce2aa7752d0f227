import Foundation
import Testing
import DiskImage
import Findings
@testable import GuestScan

/// The two blind spots a scan of the root alone has: a separate `/home` (or `/boot`) on another
/// volume, found through the root's fstab and mounted where the guest mounts it; and files that
/// exist only in the ext4 journal's committed transactions.
@Suite(.enabled(if: Tool.exists("mkfs.ext4", "sfdisk", "blkid", "debugfs", "e2fsck", "sha256sum"), "needs e2fsprogs, sfdisk and blkid"))
struct GuestMountsTests {
    static let homeUUID = "a1b2c3d4-1111-4222-8333-444455556666"
    static let bootUUID = "b2c3d4e5-1111-4222-8333-444455556666"

    @Test func aHomeOnALogicalVolumeAndABootPartitionAreScannedWhereFstabMountsThem() throws {
        let scratch = try Scratch()
        var root = GuestTrees.clean()
        root.file("/etc/os-release", RuleTrees.debian12)
        root.remove("/home")
        root.directory("/home")
        root.directory("/boot")
        root.file("/etc/fstab", """
            /dev/mapper/koovg-root / ext4 errors=remount-ro 0 1
            UUID=\(Self.bootUUID) /boot ext4 defaults 0 2
            UUID=\(Self.homeUUID) /home ext4 defaults 0 2

            """)
        var home = RootTree()
        home.file("/alice/.ssh/authorized_keys", GuestTrees.publicKey, mode: 0o600)
        home.file("/alice/.hcloud/config.json", "{\"profiles\": [{\"name\": \"default\", \"secretAccessKey\": \"\(RuleTrees.secrets[0])\"}]}\n")
        home.directory("/bob")
        var boot = RootTree()
        boot.file("/grub/grub.cfg", """
            menuentry 'Debian' {
                linux /vmlinuz root=/dev/mapper/koovg-root ro
            }
            menuentry 'Debian (old disk)' {
                linux /vmlinuz root=UUID=0b1c2d3e-0000-4000-8000-00000000beef ro
            }

            """)
        let rootImage = try RuleTrees.ext4(root, uuid: RuleTrees.rootUUID, in: scratch, name: "root.ext4")
        let homeImage = try RuleTrees.ext4(home, uuid: Self.homeUUID, in: scratch, name: "home.ext4", megabytes: 16)
        let bootImage = try RuleTrees.ext4(boot, uuid: Self.bootUUID, in: scratch, name: "boot.ext4", megabytes: 16)
        let disk = try LVMVolumes.disk(partition1: bootImage, volumes: [("root", rootImage), ("home", homeImage)], in: scratch)
        // blkid on the raw disk: the boot partition at 1 MiB, the home LV after the PV's first
        // MiB and the root LV's 8 extents.
        #expect(try RuleTrees.blkid(disk, offset: 1 << 20, tag: "UUID") == Self.bootUUID)
        #expect(try RuleTrees.blkid(disk, offset: UInt64(1 + 16 + 1 + 32) << 20, tag: "UUID") == Self.homeUUID)
        let image = try GuestDisks.convert(disk, to: "qcow2", in: scratch)

        let report = try GuestScanner.scan(imageAt: image, metadata: nil, today: GuestRulesTests.today)
        #expect(report.rootFilesystem == GuestVolumeLocation(partition: 2, logicalVolume: "koovg/root", kind: .ext4))
        #expect(report.mounted.map(\.description) == ["/boot on partition 1 (ext4)", "/home on partition 2, LV koovg/home (ext4)"])
        #expect(report.findings(RuleID.presetSSHKey.rawValue).map { $0.evidence("file") } == ["/home/alice/.ssh/authorized_keys"])
        #expect(report.findings(RuleID.cloudCredentialsLeft.rawValue).map { $0.evidence("file") } == ["/home/alice/.hcloud/config.json"])
        // Of the boot references only the old disk's UUID is missing: the LV, /boot's and
        // /home's UUIDs are the image's own.
        let boots = report.findings(RuleID.bootReferenceMissing.rawValue)
        #expect(boots.map { "\($0.evidence("file") ?? "") \($0.evidence("line") ?? "") \($0.evidence("device") ?? "")" }
                == ["/boot/grub/grub.cfg 5 UUID=0b1c2d3e-0000-4000-8000-00000000beef"])
        #expect(report.ruleIDs.sorted() == ["KG403", "KG411", "KG414"], "\(report.findings)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    @Test func aHomeTheFstabDoesNotNameIsNotMounted() throws {
        let scratch = try Scratch()
        var root = GuestTrees.clean()
        root.file("/etc/os-release", RuleTrees.debian12)
        root.file("/etc/fstab", "UUID=\(RuleTrees.rootUUID) / ext4 defaults 0 1\n")
        var home = RootTree()
        home.file("/alice/.ssh/authorized_keys", GuestTrees.publicKey, mode: 0o600)
        let rootImage = try RuleTrees.ext4(root, uuid: RuleTrees.rootUUID, in: scratch, name: "root.ext4")
        let homeImage = try RuleTrees.ext4(home, uuid: Self.homeUUID, in: scratch, name: "home.ext4", megabytes: 16)
        let disk = try LVMVolumes.disk(partition1: rootImage, volumes: [("home", homeImage)], in: scratch)
        let report = try GuestScanner.scan(imageAt: disk, metadata: nil, today: GuestRulesTests.today)
        #expect(report.rootFilesystem == GuestVolumeLocation(partition: 1, kind: .ext4))
        #expect(report.mounted.isEmpty)
        #expect(report.findings.isEmpty, "\(report.findings)")
    }

    /// A root whose `/root/.ssh/authorized_keys` lives only in one jbd2 transaction, logged
    /// with debugfs's `jo`, `jw`, `jc` (no mount): the blocks writing the file changes, found by
    /// writing it into a copy and comparing.
    static func journaledRoot(in scratch: Scratch) throws -> String {
        var tree = GuestTrees.clean()
        tree.file("/etc/os-release", RuleTrees.debian12)
        tree.remove("/root/.ssh/authorized_keys")
        let source = try tree.write(to: scratch.file("tree"))
        let base = scratch.file("base.ext4")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-b", "4096", "-d", source, base, "32M"])
        let written = scratch.file("written.ext4")
        try FileManager.default.copyItem(atPath: base, toPath: written)
        let key = try scratch.write("ak", GuestTrees.publicKey)
        try Tool.run("debugfs", ["-w", "-R", "write \(key) /root/.ssh/authorized_keys", written])
        let before = try scratch.bytes("base.ext4")
        let after = try scratch.bytes("written.ext4")
        let changed = (0..<(before.count / 4096)).filter { before[($0 * 4096)..<(($0 + 1) * 4096)] != after[($0 * 4096)..<(($0 + 1) * 4096)] }
        try scratch.write("blocks.bin", changed.flatMap { after[($0 * 4096)..<(($0 + 1) * 4096)] })
        let image = scratch.file("journaled.ext4")
        try FileManager.default.copyItem(atPath: base, toPath: image)
        let commands = try scratch.write("commands", "jo -c -v 3\njw -b \(changed.map(String.init).joined(separator: ",")) \(scratch.file("blocks.bin"))\njc\n")
        try Tool.run("debugfs", ["-w", "-f", commands, image])
        return image
    }

    @Test func aKeyOnlyInACommittedJournalTransactionIsFoundAndTheImageIsNotWritten() throws {
        let scratch = try Scratch()
        let image = try Self.journaledRoot(in: scratch)
        // debugfs reads the image as it is on disk: the key is not there before recovery.
        let onDisk = try Tool.capture("debugfs", ["-R", "stat /root/.ssh/authorized_keys", image])
        #expect(onDisk.stderr.contains("File not found"), "\(onDisk.stdout)")
        let digest = try Tool.sha256sum(image)
        let report = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil, today: GuestRulesTests.today)
        #expect(report.findings(RuleID.presetSSHKey.rawValue).map { $0.evidence("file") } == ["/root/.ssh/authorized_keys"])
        #expect(try Tool.sha256sum(image) == digest)
    }

    @Test func aTransactionWithoutItsCommitBlockIsNotSeenByTheScan() throws {
        let scratch = try Scratch()
        let image = try Self.journaledRoot(in: scratch)
        // The transaction stays uncommitted: its commit block is zeroed where debugfs places it.
        try JournalCommit.zeroFirst(in: image)
        let digest = try Tool.sha256sum(image)
        let report = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil, today: GuestRulesTests.today)
        #expect(report.scanned)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(try Tool.sha256sum(image) == digest)
    }

    @Test(.enabled(if: Tool.exists("mkfs.xfs", "xfs_logprint"), "needs xfsprogs"))
    func anXFSRootWhoseLogNeedsRecoveryIsANote() throws {
        let scratch = try Scratch()
        var tree = GuestTrees.clean()
        tree.file("/etc/os-release", RuleTrees.debian12)
        let image = try tree.xfs(in: scratch)
        // Clear the unmount flag of the record mkfs.xfs wrote, where xfs_logprint places the log.
        let daddr = try #require(try Tool.run("xfs_logprint", ["-d", image]).split(separator: "\n")
            .first { $0.contains("daddr:") }.flatMap { line in
                line.split(separator: " ").drop { $0 != "daddr:" }.dropFirst().first.flatMap { UInt64($0) } })
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
        try handle.seek(toOffset: (daddr + 1) * 512 + 9)
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        #expect(try Tool.run("xfs_logprint", ["-t", image]).contains("<DIRTY>"))
        let report = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil, today: GuestRulesTests.today)
        let notes = report.findings(RuleID.scanNotDone.rawValue)
        #expect(notes.map { $0.evidence("mount point") } == ["/"], "\(report.findings)")
        #expect(notes.first?.severity == .note)
        #expect(report.ruleIDs == ["KG410"], "\(report.findings)")
    }
}
