import Foundation
import Testing
import DiskImage
import Findings
@testable import GuestScan

@Suite(.enabled(if: Tool.exists("sfdisk", "mkfs.ext4"), "sfdisk or mkfs.ext4 is not installed"))
struct RootFilesystemTests {
    /// A GPT disk with one 16 MiB partition whose first bytes are `patch` at `offset`.
    static func gptDisk(_ scratch: Scratch, patches: [(offset: UInt64, bytes: [UInt8])], typeGUID: String = "0FC63DAF-8483-4772-8E79-3D69D8477DE4") throws -> String {
        let disk = scratch.file("disk.raw")
        try GuestDisks.sparse(disk, size: 18 << 20)
        try Tool.run("sfdisk", ["-q", disk], input: "label: gpt\nstart=2048, size=32768, type=\(typeGUID)\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: disk))
        for patch in patches {
            try handle.seek(toOffset: (1 << 20) + patch.offset)
            try handle.write(contentsOf: Data(patch.bytes))
        }
        try handle.close()
        return disk
    }

    static func expectNotScanned(_ report: ScanReport, mentioning text: String) {
        #expect(!report.scanned)
        #expect(report.ruleIDs == ["KG410"])
        #expect(report.findings.first?.severity == .note)
        #expect(report.notReadable.joined().contains(text), "\(report.notReadable)")
        #expect(report.findings.first?.message.contains(text) == true)
    }

    @Test func aWindowsNTFSPartitionIsANoteNotAnError() throws {
        let scratch = try Scratch()
        // An NTFS boot sector's OEM ID, as blkid and koopack's guest view recognise NTFS.
        let disk = try Self.gptDisk(scratch, patches: [(3, Array("NTFS    ".utf8)), (510, [0x55, 0xAA])],
                                    typeGUID: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7")
        Self.expectNotScanned(try GuestScanner.scan(imageAt: disk, metadata: nil), mentioning: "partition 1: NTFS (a Windows guest) is not read")
    }

    @Test func aBtrfsRootIsANote() throws {
        let scratch = try Scratch()
        let disk = try Self.gptDisk(scratch, patches: [(65536 + 64, Array("_BHRfS_M".utf8))])
        Self.expectNotScanned(try GuestScanner.scan(imageAt: disk, metadata: nil), mentioning: "btrfs is not read")
    }

    @Test(.enabled(if: Tool.exists("cryptsetup"), "cryptsetup is not installed"))
    func aLUKSEncryptedRootIsANote() throws {
        let scratch = try Scratch()
        let volume = scratch.file("luks.img")
        try GuestDisks.sparse(volume, size: 16 << 20)
        let key = scratch.file("key")
        try Data("correct horse battery staple".utf8).write(to: URL(fileURLWithPath: key))
        do {
            try Tool.run("cryptsetup", ["luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2",
                                         "--pbkdf-force-iterations", "1000", "--key-file", key, volume])
        } catch {
            print("LUKS case skipped: cryptsetup luksFormat failed here: \(error)")
            return
        }
        let disk = try GuestDisks.mbr(root: volume, in: scratch)
        Self.expectNotScanned(try GuestScanner.scan(imageAt: disk, metadata: nil), mentioning: "partition 1: encrypted with LUKS")
    }

    @Test func aDiskWithNoFilesystemOrNoOSReleaseIsANote() throws {
        let scratch = try Scratch()
        let empty = try Self.gptDisk(scratch, patches: [])
        Self.expectNotScanned(try GuestScanner.scan(imageAt: empty, metadata: nil), mentioning: "no ext2/3/4 or XFS filesystem was found")

        var data = RootTree()
        data.file("/data/readme.txt", "a data disk\n")
        let image = try data.ext4(in: scratch, megabytes: 8)
        Self.expectNotScanned(GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil),
                              mentioning: "no ext2/3/4 or XFS filesystem holds /etc/os-release")
        let zeros = scratch.file("zeros.raw")
        try GuestDisks.sparse(zeros, size: 4 << 20)
        Self.expectNotScanned(try GuestScanner.scan(imageAt: zeros, metadata: nil), mentioning: "no ext2/3/4 or XFS filesystem was found")
    }

    @Test func anExt4FeatureKoopackDoesNotReadIsANoteNamingIt() throws {
        let scratch = try Scratch()
        let image = try GuestTrees.clean().ext4(in: scratch, megabytes: 8)
        // Set s_feature_incompat's compression bit (0x1) at superblock offset 0x60.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        try handle.seek(toOffset: 1024 + 0x60)
        let incompat = [UInt8](try handle.read(upToCount: 4) ?? Data())
        try handle.seek(toOffset: 1024 + 0x60)
        try handle.write(contentsOf: Data([incompat[0] | 0x1] + incompat.dropFirst()))
        try handle.close()
        let report = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil)
        Self.expectNotScanned(report, mentioning: "compression")
    }

    @Test func aTruncatedImageIsAnErrorAndAnUnreadableFileIsNamed() throws {
        #expect(throws: ImageError.self) { try GuestScanner.scan(imageAt: "/nonexistent/disk.qcow2", metadata: nil) }
    }
}
