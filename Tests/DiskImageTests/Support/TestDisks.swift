import Foundation
@testable import DiskImage

/// File helpers the guest-view tests build disks with.
enum DiskTool {
    /// Makes a sparse file of `bytes` at `path`.
    static func sparseFile(_ path: String, bytes: UInt64) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: bytes)
        try handle.close()
    }

    /// Copies the file `part` into `disk` at byte `offset` (a multiple of 1 MiB) without
    /// truncating it, keeping holes: what `dd conv=notrunc,sparse` does.
    static func copy(_ part: String, into disk: String, at offset: UInt64) throws {
        precondition(offset % (1 << 20) == 0, "partition offsets in the test disks are MiB-aligned")
        try Tool.run("dd", ["if=\(part)", "of=\(disk)", "bs=1M", "seek=\(offset >> 20)", "conv=notrunc,sparse", "status=none"])
    }
}

/// The standard guest disks tests build at test time, as raw files, with what was asked of the
/// tools that made them (the expected values): an MBR disk with a bootable ext4 partition and a
/// swap partition, a GPT disk with an EFI system partition (vfat) and a Linux partition (xfs),
/// and a blank disk. Other tests convert them with qemu-img into every format.
enum TestDisks {
    /// One partition as the sfdisk script asked for it.
    struct PlannedPartition {
        var startSector: UInt64
        var sectors: UInt64
        var type: String
        var name: String?
        var bootable: Bool = false
        var filesystem: String
        var label: String
        var uuid: String
        var start: UInt64 { startSector * 512 }
        var size: UInt64 { sectors * 512 }
    }

    /// The three disks' paths.
    struct Standard {
        var mbr: String
        var gpt: String
        var blank: String
    }

    static let mbrDiskSize: UInt64 = 64 << 20
    static let mbrDiskID = "0x1234abcd"
    static let mbrPartitions = [
        PlannedPartition(startSector: 2048, sectors: 65536, type: "83", bootable: true, filesystem: "ext4",
                         label: "KOOROOT", uuid: "3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
        PlannedPartition(startSector: 67584, sectors: 32768, type: "82", filesystem: "swap",
                         label: "KOOSWAP", uuid: "7d444840-9dc0-11d1-b245-5ffdce74fad2"),
    ]

    static let gptDiskSize: UInt64 = 128 << 20
    static let gptDiskGUID = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    static let gptPartitions = [
        PlannedPartition(startSector: 2048, sectors: 65536, type: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
                         name: "EFI System Partition", filesystem: "vfat", label: "KOOESP", uuid: "1234-ABCD"),
        PlannedPartition(startSector: 67584, sectors: 131072, type: "0fc63daf-8483-4772-8e79-3d69d8477de4",
                         name: "root", filesystem: "xfs", label: "kooroot", uuid: "0b7a1f3e-7c2d-4e55-9a61-2f3c4d5e6f70"),
    ]
    static let gptPartitionGUIDs = ["a0a0a0a0-1111-4222-8333-444455556666", "b0b0b0b0-1111-4222-8333-444455556666"]

    static let blankDiskSize: UInt64 = 64 << 20

    /// Whether the tools the standard disks need are installed.
    static var toolsAvailable: Bool {
        Tool.exists("sfdisk", "mkfs.ext4", "mkswap", "mkfs.vfat", "mkfs.xfs", "dd")
    }

    /// Builds all three standard disks in `directory` and returns their paths.
    static func makeStandard(in directory: Scratch) throws -> Standard {
        Standard(mbr: try makeMBRDisk(in: directory), gpt: try makeGPTDisk(in: directory),
                 blank: try makeBlankDisk(in: directory))
    }

    /// `mbr.raw`: 64 MiB, DOS label 0x1234abcd, partition 1 bootable Linux (ext4, 32 MiB),
    /// partition 2 Linux swap (16 MiB).
    static func makeMBRDisk(in directory: Scratch, name: String = "mbr.raw") throws -> String {
        let disk = directory.file(name)
        try DiskTool.sparseFile(disk, bytes: mbrDiskSize)
        var script = "label: dos\nlabel-id: \(mbrDiskID)\nunit: sectors\n"
        for p in mbrPartitions {
            script += "start=\(p.startSector), size=\(p.sectors), type=\(p.type)\(p.bootable ? ", bootable" : "")\n"
        }
        try Tool.run("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", disk], input: script)
        let root = mbrPartitions[0], swap = mbrPartitions[1]
        let rootFile = directory.file(name + ".p1")
        try DiskTool.sparseFile(rootFile, bytes: root.size)
        try Tool.run("mkfs.ext4", ["-F", "-q", "-L", root.label, "-U", root.uuid, rootFile])
        try DiskTool.copy(rootFile, into: disk, at: root.start)
        let swapFile = directory.file(name + ".p2")
        try DiskTool.sparseFile(swapFile, bytes: swap.size)
        try Tool.run("mkswap", ["-L", swap.label, "-U", swap.uuid, swapFile])
        try DiskTool.copy(swapFile, into: disk, at: swap.start)
        try? FileManager.default.removeItem(atPath: rootFile)
        try? FileManager.default.removeItem(atPath: swapFile)
        return disk
    }

    /// `gpt.raw`: 128 MiB, GPT with an EFI system partition (vfat, 32 MiB) and a Linux
    /// filesystem partition named "root" (xfs, 64 MiB).
    static func makeGPTDisk(in directory: Scratch, name: String = "gpt.raw") throws -> String {
        let disk = directory.file(name)
        try DiskTool.sparseFile(disk, bytes: gptDiskSize)
        var script = "label: gpt\nlabel-id: \(gptDiskGUID.uppercased())\nunit: sectors\n"
        for (p, guid) in zip(gptPartitions, gptPartitionGUIDs) {
            script += "start=\(p.startSector), size=\(p.sectors), type=\(p.type.uppercased()), uuid=\(guid.uppercased()), name=\"\(p.name ?? "")\"\n"
        }
        try Tool.run("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", disk], input: script)
        let esp = gptPartitions[0], root = gptPartitions[1]
        let espFile = directory.file(name + ".p1")
        try Tool.run("mkfs.vfat", ["-C", "-n", esp.label, "-i", esp.uuid.replacingOccurrences(of: "-", with: ""),
                                       espFile, String(esp.size / 1024)])
        try DiskTool.copy(espFile, into: disk, at: esp.start)
        let rootFile = directory.file(name + ".p2")
        try DiskTool.sparseFile(rootFile, bytes: root.size)
        // xfsprogs refuses filesystems under 300 MB unless it believes it runs under fstests.
        try Tool.run("mkfs.xfs", ["-f", "-q", "-L", root.label, "-m", "uuid=\(root.uuid)", rootFile],
                         environment: ["TEST_DIR": "1", "TEST_DEV": "1", "QA_CHECK_FS": "1"])
        try DiskTool.copy(rootFile, into: disk, at: root.start)
        try? FileManager.default.removeItem(atPath: espFile)
        try? FileManager.default.removeItem(atPath: rootFile)
        return disk
    }

    /// `blank.raw`: 64 MiB of zeros (sparse).
    static func makeBlankDisk(in directory: Scratch, name: String = "blank.raw") throws -> String {
        let disk = directory.file(name)
        try DiskTool.sparseFile(disk, bytes: blankDiskSize)
        return disk
    }
}
