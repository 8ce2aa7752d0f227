import Foundation
import Testing
import DiskImage
@testable import GuestScan

/// KG414's side of the image: every name a boot reference can use is found on a disk made at
/// test time (sfdisk, mkfs.ext4, mkswap, and the LVM physical volume of testdata/lvm), each
/// name taken from blkid or partx, never from koopack.
@Suite struct ImageIdentitiesTests {
    static let lvmFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/lvm/lvm-linear.img").path

    /// `blkid -p -O offset -o value -s tag disk`: the tag of the volume at `offset`.
    static func blkid(_ disk: String, offset: UInt64, _ tag: String) throws -> String {
        try Tool.run("blkid", ["-p", "-O", String(offset), "-o", "value", "-s", tag, disk])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func reference(_ spec: String) -> BootReference {
        let device = BootReference.device(spec)!
        return BootReference(source: .fstab, path: "/etc/fstab", line: 1, kind: device.kind, value: device.value, usage: "/")
    }

    @Test func everyNameOnAnMBRDiskWithAnLVMPhysicalVolumeResolves() throws {
        guard Tool.exists("sfdisk", "mkfs.ext4", "mkswap", "blkid", "partx", "strings") else { return }
        let scratch = try Scratch()
        let disk = scratch.file("disk.raw")
        try Tool.run("truncate", ["-s", "32M", disk])
        try Tool.run("sfdisk", ["-q", disk], input: """
            label: dos
            label-id: 0x11223344
            start=2048, size=16384, type=83
            start=18432, size=8192, type=82
            start=26624, size=8192, type=8e

            """)
        let root = scratch.file("root.ext4")
        try Tool.run("mkfs.ext4", ["-q", "-F", "-L", "root", root, "8M"])
        let swap = scratch.file("swap.img")
        try Tool.run("truncate", ["-s", "4M", swap])
        try Tool.run("mkswap", ["-L", "swap0", swap])
        for (file, sector) in [(root, 2048), (swap, 18432), (Self.lvmFixture, 26624)] {
            try Tool.run("dd", ["if=\(file)", "of=\(disk)", "bs=512", "seek=\(sector)", "conv=notrunc,sparse", "status=none"])
        }

        let source = try FileByteSource(path: disk)
        let identities = ImageIdentities.read(disk: source, view: try GuestView.read(from: source))
        #expect(identities.warnings.isEmpty)
        #expect(identities.logicalVolumes == ["koovg/koolv"])

        let rootUUID = try Self.blkid(disk, offset: 2048 * 512, "UUID")
        #expect(identities.status(of: Self.reference("UUID=\(rootUUID)")) == .found(ImageIdentities.VolumePlace(partition: 1, kind: .ext4)))
        #expect(identities.status(of: Self.reference("UUID=\(rootUUID.uppercased())")) == .found(ImageIdentities.VolumePlace(partition: 1, kind: .ext4)))
        #expect(identities.status(of: Self.reference("LABEL=root")) == .found(ImageIdentities.VolumePlace(partition: 1, kind: .ext4)))
        let swapUUID = try Self.blkid(disk, offset: 18432 * 512, "UUID")
        #expect(identities.status(of: Self.reference("/dev/disk/by-uuid/\(swapUUID)")) == .found(ImageIdentities.VolumePlace(partition: 2, kind: .swap)))
        #expect(identities.status(of: Self.reference("LABEL=swap0")) == .found(ImageIdentities.VolumePlace(partition: 2, kind: .swap)))

        let partUUIDs = try Tool.run("partx", ["-g", "-o", "UUID", disk]).split(separator: "\n").map(String.init)
        #expect(partUUIDs.count == 3)
        for (index, partUUID) in zip([1, 2, 3], partUUIDs) {
            guard case let .found(location) = identities.status(of: Self.reference("PARTUUID=\(partUUID)")) else {
                Issue.record("PARTUUID \(partUUID) not found"); continue
            }
            #expect(location.partition == index)
        }

        // The logical volume and the FAT filesystem in it (at pe_start plus one 1 MiB extent, as
        // the fixture's metadata text says), named by its device-mapper path, its UUID and label.
        let lvmText = try Tool.run("strings", [Self.lvmFixture])
        let peStartLine = try #require(lvmText.split(separator: "\n").first { $0.contains("pe_start = ") })
        let peStart = try #require(UInt64(peStartLine.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)))
        let lvOffset = 26624 * 512 + peStart * 512 + (1 << 20)
        let fatUUID = try Self.blkid(disk, offset: lvOffset, "UUID")
        let lvLocation = ImageIdentities.VolumePlace(partition: 3, logicalVolume: "koovg/koolv", kind: .vfat)
        #expect(identities.status(of: Self.reference("UUID=\(fatUUID)")) == .found(lvLocation))
        #expect(identities.status(of: Self.reference("LABEL=KOOLV")) == .found(lvLocation))
        #expect(identities.status(of: Self.reference("/dev/mapper/koovg-koolv")) == .found(lvLocation))
        #expect(identities.status(of: Self.reference("/dev/koovg/koolv")) == .found(lvLocation))

        // Names the image does not have, and bare device names.
        #expect(identities.status(of: Self.reference("UUID=\(UUID().uuidString.lowercased())")) == .missing)
        #expect(identities.status(of: Self.reference("LABEL=data")) == .missing)
        #expect(identities.status(of: Self.reference("PARTUUID=11223344-04")) == .missing)
        #expect(identities.status(of: Self.reference("/dev/mapper/koovg-gone")) == .missing)
        #expect(identities.status(of: Self.reference("/dev/sdb1")) == .bareDeviceName)
        #expect(identities.status(of: Self.reference("/dev/xvda1")) == .bareDeviceName)
        #expect(identities.status(of: Self.reference("/dev/hda2")) == .bareDeviceName)
        #expect(identities.status(of: Self.reference("/dev/vda1")) == .virtioDevice)
        #expect(identities.status(of: Self.reference("/dev/md0")) == .notJudged)
    }

    @Test func gptPartitionNamesAndGUIDsResolve() throws {
        guard Tool.exists("sfdisk", "partx") else { return }
        let scratch = try Scratch()
        let disk = scratch.file("gpt.raw")
        try Tool.run("truncate", ["-s", "16M", disk])
        try Tool.run("sfdisk", ["-q", disk], input: "label: gpt\nstart=2048, size=4096, type=U, name=\"EFI System\"\nstart=6144, size=8192, type=L, name=root\n")
        let source = try FileByteSource(path: disk)
        let identities = ImageIdentities.read(disk: source, view: try GuestView.read(from: source))
        let rows = try Tool.run("partx", ["-g", "-o", "NR,UUID", disk]).split(separator: "\n").map { $0.split(separator: " ") }
        for row in rows {
            guard case let .found(location) = identities.status(of: Self.reference("PARTUUID=\(row[1])")) else {
                Issue.record("PARTUUID \(row[1]) not found"); continue
            }
            #expect(location.partition == Int(row[0]))
        }
        #expect(identities.status(of: Self.reference("PARTLABEL=root")) == .found(ImageIdentities.VolumePlace(partition: 2, kind: nil)))
        #expect(identities.status(of: Self.reference("/dev/disk/by-partlabel/EFI\\x20System")) == .found(ImageIdentities.VolumePlace(partition: 1, kind: nil)))
        #expect(identities.status(of: Self.reference("PARTLABEL=swap")) == .missing)
    }
}
