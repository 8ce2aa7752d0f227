import Foundation
import Testing
@testable import DiskImage

/// `sfdisk --json` of `disk`: the partition table as util-linux reads it.
private func sfdiskTable(_ disk: String) throws -> [String: Any] {
    let text = try Tool.run("sfdisk", ["--json", disk])
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
          let table = object["partitiontable"] as? [String: Any] else {
        throw TestFailure("sfdisk --json printed no partition table for \(disk)")
    }
    return table
}

/// The partitions of an `sfdisk --json` table.
private func sfdiskPartitions(_ table: [String: Any]) -> [[String: Any]] {
    table["partitions"] as? [[String: Any]] ?? []
}

private func view(_ path: String) throws -> GuestView {
    try GuestView.read(from: FileByteSource(path: path))
}

@Suite struct GuestViewTests {
    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func anMBRDiskListsItsBootableExt4AndSwapPartitionsAsSfdiskDoes() throws {
        let directory = try Scratch()
        let disk = try TestDisks.makeMBRDisk(in: directory)
        let guest = try view(disk)
        let table = try sfdiskTable(disk)
        #expect(guest.partitionTable == .mbr)
        #expect(guest.diskID == table["id"] as? String)
        #expect(guest.diskID == TestDisks.mbrDiskID)
        #expect(guest.boot == .bios)
        #expect(guest.warnings.isEmpty, "\(guest.warnings)")
        #expect(guest.filesystem == nil)
        let theirs = sfdiskPartitions(table)
        try #require(guest.partitions.count == theirs.count && theirs.count == TestDisks.mbrPartitions.count)
        for (index, (mine, planned)) in zip(guest.partitions, TestDisks.mbrPartitions).enumerated() {
            let sfdisk = theirs[index]
            #expect(mine.index == index + 1)
            #expect(mine.start == UInt64(sfdisk["start"] as? Int ?? -1) * 512)
            #expect(mine.size == UInt64(sfdisk["size"] as? Int ?? -1) * 512)
            #expect(mine.start == planned.start && mine.size == planned.size)
            #expect(mine.type == "0x" + planned.type)
            #expect(mine.bootable == planned.bootable)
            #expect(mine.bootable == (sfdisk["bootable"] as? Bool ?? false))
            #expect(mine.name == nil && mine.partitionGUID == nil)
            #expect(mine.filesystem?.name == planned.filesystem)
            #expect(mine.filesystem?.label == planned.label)
            #expect(mine.filesystem?.uuid == planned.uuid)
        }
        #expect(guest.partitions[0].typeName == "Linux")
        #expect(guest.partitions[1].typeName == "Linux swap / Solaris")
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func aGPTDiskWithAnEFISystemPartitionBootsUEFIAndListsVfatAndXFS() throws {
        let directory = try Scratch()
        let disk = try TestDisks.makeGPTDisk(in: directory)
        let guest = try view(disk)
        let table = try sfdiskTable(disk)
        #expect(guest.partitionTable == .gpt)
        #expect(table["label"] as? String == "gpt")
        #expect(guest.diskID == (table["id"] as? String)?.lowercased())
        #expect(guest.diskID == TestDisks.gptDiskGUID)
        #expect(guest.boot == .uefi)
        #expect(guest.warnings.isEmpty, "\(guest.warnings)")
        let theirs = sfdiskPartitions(table)
        try #require(guest.partitions.count == 2 && theirs.count == 2)
        for (index, mine) in guest.partitions.enumerated() {
            let planned = TestDisks.gptPartitions[index]
            let sfdisk = theirs[index]
            #expect(mine.index == index + 1)
            #expect(mine.start == UInt64(sfdisk["start"] as? Int ?? -1) * 512)
            #expect(mine.size == UInt64(sfdisk["size"] as? Int ?? -1) * 512)
            #expect(mine.start == planned.start && mine.size == planned.size)
            #expect(mine.type == (sfdisk["type"] as? String)?.lowercased())
            #expect(mine.type == planned.type)
            #expect(mine.name == sfdisk["name"] as? String)
            #expect(mine.name == planned.name)
            #expect(mine.partitionGUID == (sfdisk["uuid"] as? String)?.lowercased())
            #expect(mine.partitionGUID == TestDisks.gptPartitionGUIDs[index])
            #expect(mine.filesystem?.name == planned.filesystem)
            #expect(mine.filesystem?.label == planned.label)
            #expect(mine.filesystem?.uuid == planned.uuid)
        }
        #expect(guest.partitions[0].typeName == "EFI System")
        #expect(guest.partitions[1].typeName == "Linux filesystem")
    }

    @Test(.enabled(if: Tool.exists("sgdisk"), "sgdisk is not installed"))
    func aGPTDiskWithABIOSBootPartitionAndAnESPBootsBothWaysAsSgdiskMadeIt() throws {
        let directory = try Scratch()
        let disk = directory.file("hybrid.raw")
        try DiskTool.sparseFile(disk, bytes: 64 << 20)
        try Tool.run("sgdisk", ["-n", "1:2048:+1M", "-t", "1:EF02", "-c", "1:grub",
                                    "-n", "2:0:+16M", "-t", "2:EF00", "-c", "2:esp",
                                    "-n", "3:0:0", "-t", "3:8300", "-A", "3:set:2", disk])
        let guest = try view(disk)
        #expect(guest.boot == .biosAndUEFI)
        #expect(guest.partitions.map(\.typeName) == ["BIOS boot", "EFI System", "Linux filesystem"])
        #expect(guest.partitions.map(\.name) == ["grub", "esp", nil] || guest.partitions.map(\.name) == ["grub", "esp", "Linux filesystem"])
        #expect(guest.partitions.map(\.bootable) == [false, false, true])
        // sgdisk -p prints each partition's first sector; they must be ours.
        let printed = try Tool.run("sgdisk", ["-p", disk])
        let firstSectors = printed.split(separator: "\n").compactMap { line -> UInt64? in
            let fields = line.split(separator: " ")
            guard fields.count > 2, Int(fields[0]) != nil else { return nil }
            return UInt64(fields[1])
        }
        #expect(guest.partitions.map { $0.start / 512 } == firstSectors)
        #expect(guest.warnings.isEmpty, "\(guest.warnings)")
    }

    /// util-linux 2.38's sfdisk cannot write 4 KiB-sector tables to a file, so this disk is
    /// built by `HandMadeGPT` from the UEFI specification's layout.
    @Test func aGPTWith4096ByteSectorsIsFoundAtOffset4096() throws {
        let disk = HandMadeGPT(sectorSize: 4096, sectors: 4096,
                               partitions: [.init(type: PartitionTypeNames.efiSystemGUID, first: 256, last: 2815, name: "esp")])
        let guest = try GuestView.read(from: MemoryByteSource(disk.bytes))
        #expect(guest.partitionTable == .gpt)
        #expect(guest.sectorSize == 4096)
        #expect(guest.partitions.first?.start == 256 * 4096)
        #expect(guest.partitions.first?.size == 2560 * 4096)
        #expect(guest.partitions.first?.name == "esp")
        #expect(guest.boot == .uefi)
        #expect(guest.warnings.isEmpty, "\(guest.warnings)")
    }

    @Test func aBlankDiskHasNoTableNoFilesystemAndDoesNotBoot() throws {
        let directory = try Scratch()
        let guest = try view(try TestDisks.makeBlankDisk(in: directory))
        #expect(guest.partitionTable == .none)
        #expect(guest.boot == .none)
        #expect(guest.partitions.isEmpty)
        #expect(guest.filesystem == nil)
        #expect(guest.warnings.isEmpty)
        #expect(guest.json["filesystem"] == JSONValue.null)
    }

    @Test(.enabled(if: Tool.exists("sfdisk"), "sfdisk is not installed"))
    func anExtendedPartitionsLogicalPartitionsAreNumberedFromFiveAsSfdiskNumbersThem() throws {
        let directory = try Scratch()
        let disk = directory.file("extended.raw")
        try DiskTool.sparseFile(disk, bytes: 64 << 20)
        let script = """
            label: dos
            unit: sectors
            start=2048, size=20480, type=83
            start=22528, size=100000, type=5
            start=24576, size=20480, type=83
            start=47104, size=30720, type=8e
            """
        try Tool.run("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", disk], input: script)
        let guest = try view(disk)
        let theirs = sfdiskPartitions(try sfdiskTable(disk))
        #expect(guest.warnings.isEmpty, "\(guest.warnings)")
        #expect(guest.boot == .none)
        try #require(guest.partitions.count == theirs.count)
        #expect(guest.partitions.map(\.index) == [1, 2, 5, 6])
        for (mine, sfdisk) in zip(guest.partitions, theirs) {
            #expect((sfdisk["node"] as? String)?.hasSuffix(String(mine.index)) == true)
            #expect(mine.start == UInt64(sfdisk["start"] as? Int ?? -1) * 512)
            #expect(mine.size == UInt64(sfdisk["size"] as? Int ?? -1) * 512)
            #expect(UInt8(mine.type.dropFirst(2), radix: 16) == UInt8(sfdisk["type"] as? String ?? "", radix: 16))
        }
        #expect(guest.partitions[1].typeName == "Extended")
        #expect(guest.partitions[3].typeName == "Linux LVM")
    }

    @Test(.enabled(if: Tool.exists("mkfs.ext4"), "mkfs.ext4 is not installed"),
          arguments: ["ext2", "ext3", "ext4"])
    func anUnpartitionedDiskReportsTheExtFilesystemItHolds(kind: String) throws {
        let directory = try Scratch()
        let disk = directory.file("\(kind).raw")
        try DiskTool.sparseFile(disk, bytes: 32 << 20)
        try Tool.run("mkfs.ext4", ["-F", "-q", "-t", kind, "-L", "whole", "-U", "c0ffee00-1234-4abc-8def-0123456789ab", disk])
        let guest = try view(disk)
        #expect(guest.partitionTable == .none)
        #expect(guest.filesystem == kind)
        #expect(guest.wholeDiskFilesystem?.label == "whole")
        #expect(guest.wholeDiskFilesystem?.uuid == "c0ffee00-1234-4abc-8def-0123456789ab")
        #expect(guest.boot == .none)
        #expect(guest.json["filesystem"] == .string(kind))
    }

    @Test(.enabled(if: Tool.exists("mkfs.vfat"), "mkfs.vfat is not installed"))
    func anUnpartitionedFATVolumeIsNotMistakenForAnMBR() throws {
        let directory = try Scratch()
        let disk = directory.file("floppy.raw")
        try Tool.run("mkfs.vfat", ["-C", "-n", "FLOPPY", "-i", "CAFEF00D", disk, "8192"])
        let guest = try view(disk)
        #expect(guest.partitionTable == .none)
        #expect(guest.filesystem == "vfat")
        #expect(guest.wholeDiskFilesystem?.label == "FLOPPY")
        #expect(guest.wholeDiskFilesystem?.uuid == "CAFE-F00D")
    }

    @Test(.enabled(if: Tool.exists("cryptsetup"), "cryptsetup is not installed"), arguments: ["luks1", "luks2"])
    func aLUKSVolumeIsRecognisedWithItsUUID(kind: String) throws {
        let directory = try Scratch()
        let disk = directory.file("luks.raw")
        try DiskTool.sparseFile(disk, bytes: 32 << 20)
        let uuid = "11111111-2222-4333-8444-555555555555"
        try Tool.run("cryptsetup", ["luksFormat", "--batch-mode", "--type", kind, "--uuid", uuid,
                                        "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", disk, "-"],
                         input: "a test passphrase")
        let guest = try view(disk)
        #expect(guest.filesystem == "crypto_LUKS")
        #expect(guest.wholeDiskFilesystem?.uuid == uuid)
        #expect(guest.wholeDiskFilesystem?.version == (kind == "luks1" ? "LUKS1" : "LUKS2"))
    }

    @Test(.enabled(if: Tool.exists("mkfs.btrfs"), "mkfs.btrfs is not installed"))
    func aBtrfsVolumeIsRecognised() throws {
        let directory = try Scratch()
        let disk = directory.file("btrfs.raw")
        try DiskTool.sparseFile(disk, bytes: 128 << 20)
        try Tool.run("mkfs.btrfs", ["-f", "-q", "-L", "koobtr", "-U", "22222222-3333-4444-8555-666666666666", disk])
        let guest = try view(disk)
        #expect(guest.filesystem == "btrfs")
        #expect(guest.wholeDiskFilesystem?.label == "koobtr")
        #expect(guest.wholeDiskFilesystem?.uuid == "22222222-3333-4444-8555-666666666666")
    }

    @Test(.enabled(if: Tool.exists("mkfs.ntfs"), "mkfs.ntfs is not installed"))
    func anNTFSVolumeIsRecognised() throws {
        let directory = try Scratch()
        let disk = directory.file("ntfs.raw")
        try DiskTool.sparseFile(disk, bytes: 32 << 20)
        try Tool.run("mkfs.ntfs", ["-F", "-Q", "-q", "-L", "koontfs", disk])
        let guest = try view(disk)
        #expect(guest.partitionTable == .none)
        #expect(guest.filesystem == "ntfs")
    }

    /// pvcreate needs a block device (a loop device) and may be absent, so the PV label is
    /// built by hand from LVM2's on-disk format: in sector 1, "LABELONE", the label's own
    /// sector number (u64), a CRC (u32), the offset of the PV header within the sector (u32,
    /// 32) and the type "LVM2 001"; the PV header starts with the 32-character PV UUID.
    @Test func anLVM2PhysicalVolumeLabelIsRecognisedInAnyOfTheFirstFourSectors() throws {
        for sector in 0..<4 {
            var bytes = [UInt8](repeating: 0, count: 1 << 20)
            let at = sector * 512
            bytes.replaceSubrange(at..<(at + 8), with: Array("LABELONE".utf8))
            bytes[at + 8] = UInt8(sector)
            bytes[at + 20] = 32
            bytes.replaceSubrange((at + 24)..<(at + 32), with: Array("LVM2 001".utf8))
            let pvUUID = "AbCdEf0123456789GhIjKlMnOpQrStUv"
            bytes.replaceSubrange((at + 32)..<(at + 64), with: Array(pvUUID.utf8))
            let guest = try GuestView.read(from: MemoryByteSource(bytes))
            #expect(guest.filesystem == "LVM2_member", "label in sector \(sector)")
            #expect(guest.wholeDiskFilesystem?.uuid == "AbCdEf-0123-4567-89Gh-IjKl-MnOp-QrStUv")
        }
    }

    @Test(.enabled(if: Tool.exists("xorriso"), "xorriso is not installed"))
    func anISOReadAsADiskHoldsAnISO9660FilesystemLabelledWithItsVolumeID() throws {
        let directory = try Scratch()
        try FileManager.default.createDirectory(atPath: directory.file("tree"), withIntermediateDirectories: true)
        try directory.write("tree/readme.txt", Array("hello".utf8))
        let iso = directory.file("cd.iso")
        try Tool.run("xorriso", ["-as", "mkisofs", "-quiet", "-V", "KOOCD", "-o", iso, directory.file("tree")])
        let guest = try view(iso)
        #expect(guest.partitionTable == .none)
        #expect(guest.filesystem == "iso9660")
        #expect(guest.wholeDiskFilesystem?.label == "KOOCD")
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func theGuestViewJSONHasEveryPartitionKeyWithNullsWhereAbsent() throws {
        let directory = try Scratch()
        let guest = try view(try TestDisks.makeMBRDisk(in: directory))
        let json = guest.json
        #expect(json["partition-table"] == .string("mbr"))
        #expect(json["boot"] == .string("bios"))
        #expect(json["filesystem"] == nil, "a partitioned disk has no disk-level filesystem key")
        guard case let .array(partitions)? = json["partitions"] else {
            Issue.record("no partitions array")
            return
        }
        #expect(partitions.count == 2)
        let first = partitions[0]
        for key in ["index", "start", "size", "type", "type-name", "bootable", "name", "partition-guid",
                    "filesystem", "filesystem-label", "filesystem-uuid"] {
            #expect(first[key] != nil, "missing \(key)")
        }
        #expect(first["start"] == .uint(TestDisks.mbrPartitions[0].start))
        #expect(first["type"] == .string("0x83"))
        #expect(first["name"] == .null)
        #expect(first["filesystem"] == .string("ext4"))
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func readingTheGuestViewTakesAFewSmallReadsNotTheDisk() throws {
        let directory = try Scratch()
        let standard = try TestDisks.makeStandard(in: directory)
        for disk in [standard.mbr, standard.gpt, standard.blank] {
            let counting = CountingByteSource(try FileByteSource(path: disk))
            _ = try GuestView.read(from: counting)
            #expect(counting.bytesRead < 256 * 1024, "\(disk): \(counting.bytesRead) bytes read")
            #expect(counting.reads < 40, "\(disk): \(counting.reads) reads")
        }
    }
}
