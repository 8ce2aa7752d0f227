import Foundation
import Testing
@testable import DiskImage

/// The same guest disk, converted by qemu-img into every format koopack reads, must give the same
/// guest view and the same bytes: the block maps are what is under test here, the partition and
/// filesystem readers are pinned down by GuestViewTests.
@Suite(.enabled(if: QemuImg.available && TestDisks.toolsAvailable, "needs qemu-img, sfdisk, mkfs.ext4, mkswap, mkfs.vfat and mkfs.xfs"))
struct GuestAcrossFormatsTests {
    /// Every way the disk is converted: a name, qemu-img's output format and its options.
    static let conversions: [(name: String, format: String, options: [String])] = [
        ("qcow2", "qcow2", []),
        ("qcow2-v2", "qcow2", ["-o", "compat=0.10"]),
        ("qcow2-zlib", "qcow2", ["-c", "-o", "compression_type=zlib"]),
        ("qcow2-zstd", "qcow2", ["-c", "-o", "compression_type=zstd"]),
        ("qcow2-extended-l2", "qcow2", ["-o", "extended_l2=on,cluster_size=128k"]),
        ("qcow2-4k", "qcow2", ["-o", "cluster_size=4096"]),
        ("qcow", "qcow", []),
        ("qed", "qed", []),
        ("vmdk-sparse", "vmdk", []),
        ("vmdk-stream", "vmdk", ["-o", "subformat=streamOptimized"]),
        ("vmdk-split", "vmdk", ["-o", "subformat=twoGbMaxExtentSparse"]),
        ("vmdk-flat", "vmdk", ["-o", "subformat=monolithicFlat"]),
        ("vhd-dynamic", "vpc", ["-o", "subformat=dynamic,force_size=on"]),
        ("vhd-fixed", "vpc", ["-o", "subformat=fixed,force_size=on"]),
        ("vhdx", "vhdx", []),
        ("vhdx-1m", "vhdx", ["-o", "block_size=1M"]),
        ("vdi", "vdi", []),
        ("vdi-static", "vdi", ["-o", "static=on"]),
        ("parallels", "parallels", []),
    ]

    enum Disk: String, CaseIterable { case mbr, gpt, blank }

    private func makeDisk(_ disk: Disk, in directory: Scratch) throws -> String {
        switch disk {
        case .mbr: return try TestDisks.makeMBRDisk(in: directory)
        case .gpt: return try TestDisks.makeGPTDisk(in: directory)
        case .blank: return try TestDisks.makeBlankDisk(in: directory)
        }
    }

    @Test(arguments: Disk.allCases)
    func everyFormatGivesTheRawDisksGuestViewAndBytes(disk: Disk) throws {
        let directory = try Scratch()
        let raw = try makeDisk(disk, in: directory)
        let expected = try GuestView.read(from: FileByteSource(path: raw)).json
        for conversion in Self.conversions {
            let image = directory.file("\(disk)-\(conversion.name).img")
            try QemuImg.run(["convert", "-O", conversion.format] + conversion.options + [raw, image])
            let (info, guest) = try ImageInspector().openGuest(path: image)
            #expect(info.format == conversion.format, "\(conversion.name)")
            let view = try GuestView.read(from: guest).json
            #expect(view == expected, "\(conversion.name): guest view differs:\n\(view.serialized())\nexpected\n\(expected.serialized())")
            try expectSameEdges(guest, image: image, format: conversion.format, label: conversion.name)
        }
    }

    /// A qcow2 overlay that has written nothing: its partition table lives in its backing file.
    @Test(arguments: Disk.allCases)
    func anOverlaysGuestViewComesThroughItsBackingFile(disk: Disk) throws {
        let directory = try Scratch()
        let raw = try makeDisk(disk, in: directory)
        let base = directory.file("base.qcow2")
        try QemuImg.run(["convert", "-O", "qcow2", raw, base])
        let overlay = directory.file("overlay.qcow2")
        try QemuImg.run(["create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", overlay])
        let (_, guest) = try ImageInspector().openGuest(path: overlay)
        #expect(try GuestView.read(from: guest).json == GuestView.read(from: FileByteSource(path: raw)).json)
        try expectSameEdges(guest, image: overlay, format: "qcow2", label: "overlay")
        let info = try ImageInspector().inspect(path: overlay, guest: true)
        #expect(info.guest?.partitionTable.rawValue == (disk == .blank ? "none" : disk.rawValue))
    }

    /// The first and last MiB, and an odd read across a block boundary, equal what
    /// `qemu-img convert -O raw` makes of the same image.
    private func expectSameEdges(_ guest: any ByteSource, image: String, format: String, label: String) throws {
        let flattened = image + ".flat"
        try QemuImg.run(["convert", "-f", format, "-O", "raw", image, flattened])
        defer { try? FileManager.default.removeItem(atPath: flattened) }
        let reference = try FileByteSource(path: flattened)
        #expect(guest.size == reference.size, "\(label): guest size \(guest.size) ≠ \(reference.size)")
        let mib = 1 << 20
        let last = reference.size - UInt64(mib)
        for (offset, count) in [(UInt64(0), mib), (last, mib), (UInt64(1 << 20) - 777, 70_001), (UInt64(34) << 20 + 3, 4099)] {
            let mine = try guest.read(at: offset, count: count)
            let theirs = try reference.read(at: offset, count: count)
            #expect(mine == theirs, "\(label): bytes at \(offset)+\(count) differ from qemu-img convert -O raw")
        }
    }
}
