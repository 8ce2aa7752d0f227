import Foundation
import Testing

/// A guest disk with an LVM2 physical volume holding several logical volumes, written from the
/// on-disk format as `LVMDisk` writes it (no LVM tools or device-mapper needed): MBR partition 1
/// a plain filesystem, partition 2 (type 0x8e) the PV of volume group `koovg` with one linear
/// logical volume per image, in order, each a whole number of 4 MiB extents.
enum LVMVolumes {
    static let extentMiB = 4

    /// The disk, with `partition1` (a filesystem image, or nil for an empty 16 MiB partition)
    /// and the logical volumes `volumes` (name, filesystem image).
    static func disk(partition1: String?, volumes: [(name: String, image: String)], in scratch: Scratch) throws -> String {
        let sizes = try volumes.map { (try GuestDisks.mebibytes($0.image) + extentMiB - 1) / extentMiB }
        let peCount = max(1, sizes.reduce(0, +))
        let pvMiB = 1 + peCount * extentMiB
        let p1MiB = try partition1.map(GuestDisks.mebibytes) ?? 16
        let pvStartMiB = 1 + p1MiB
        let disk = scratch.file("lvm-volumes.raw")
        try GuestDisks.sparse(disk, size: UInt64(pvStartMiB + pvMiB) << 20)
        try Tool.run("sfdisk", ["-q", disk], input: "label: dos\nstart=2048, size=\(p1MiB * 2048), type=83\nstart=\(pvStartMiB * 2048), size=\(pvMiB * 2048), type=8e\n")
        if let partition1 { try GuestDisks.place(partition1, into: disk, atMiB: 1) }

        var head = [UInt8](repeating: 0, count: 1 << 20)
        func put(_ bytes: [UInt8], at offset: Int) { head.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        let label = 512
        put(Array("LABELONE".utf8), at: label)
        put(LVMDisk.le64(1), at: label + 8)
        put(LVMDisk.le32(32), at: label + 20)
        put(Array("LVM2 001".utf8), at: label + 24)
        let pv = label + 32
        put(Array(LVMDisk.uuid.utf8), at: pv)
        put(LVMDisk.le64(UInt64(pvMiB) << 20), at: pv + 32)
        put(LVMDisk.le64(1 << 20) + LVMDisk.le64(0) + LVMDisk.le64(0) + LVMDisk.le64(0), at: pv + 40)
        put(LVMDisk.le64(4096) + LVMDisk.le64((1 << 20) - 4096) + LVMDisk.le64(0) + LVMDisk.le64(0), at: pv + 72)
        put(LVMDisk.le32(LVMDisk.crc(head[(label + 20)..<(label + 512)])), at: label + 16)
        let dashed = LVMDisk.uuid.enumerated().map { i, c in [6, 10, 14, 18, 22, 26].contains(i) ? "-\(c)" : "\(c)" }.joined()
        var lvText = ""
        var start = 0
        for (index, volume) in volumes.enumerated() {
            lvText += """
                \(volume.name) {
                id = "lv0000-0000-0000-0000-0000-0000-00000\(index)"
                status = ["READ", "WRITE", "VISIBLE"]
                flags = []
                segment_count = 1
                segment1 {
                start_extent = 0
                extent_count = \(sizes[index])
                type = "striped"
                stripe_count = 1
                stripes = [
                "pv0", \(start)
                ]
                }
                }

                """
            start += sizes[index]
        }
        let text = Array("""
            koovg {
            id = "vg0000-0000-0000-0000-0000-0000-000000"
            seqno = 3
            format = "lvm2"
            status = ["RESIZEABLE", "READ", "WRITE"]
            flags = []
            extent_size = \(extentMiB * 2048)
            max_lv = 0
            max_pv = 0
            metadata_copies = 0
            physical_volumes {
            pv0 {
            id = "\(dashed)"
            device = "/dev/vda2"
            status = ["ALLOCATABLE"]
            flags = []
            dev_size = \(pvMiB * 2048)
            pe_start = 2048
            pe_count = \(peCount)
            }
            }
            logical_volumes {
            \(lvText)}
            }
            contents = "Text Format Volume Group"
            version = 1

            """.utf8)
        let mda = 4096
        put(Array(" LVM2 x[5A%r0N*>".utf8) + LVMDisk.le32(1) + LVMDisk.le64(4096) + LVMDisk.le64((1 << 20) - 4096), at: mda + 4)
        put(LVMDisk.le64(512) + LVMDisk.le64(UInt64(text.count)) + LVMDisk.le32(LVMDisk.crc(text[...])) + LVMDisk.le32(0), at: mda + 40)
        put(LVMDisk.le32(LVMDisk.crc(head[(mda + 4)..<(mda + 512)])), at: mda)
        put(text, at: mda + 512)
        let headFile = scratch.file("lvm-volumes-head")
        try Data(head).write(to: URL(fileURLWithPath: headFile))
        try GuestDisks.place(headFile, into: disk, atMiB: pvStartMiB)
        var extent = 0
        for (index, volume) in volumes.enumerated() {
            try GuestDisks.place(volume.image, into: disk, atMiB: pvStartMiB + 1 + extent * extentMiB)
            extent += sizes[index]
        }
        return disk
    }
}
