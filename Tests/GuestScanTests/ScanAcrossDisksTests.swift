import Foundation
import Testing
import DiskImage
import Findings
import GuestFilesystem
@testable import GuestScan

/// The dirty guest made once as ext4 and XFS, inside MBR and GPT disks, and converted by qemu-img:
/// every layout and format must give the same OS, findings and packages.
final class DirtyGuestDisks: @unchecked Sendable {
    let scratch: Scratch
    let ext4: String
    let xfs: String?

    static let shared: Result<DirtyGuestDisks, TestFailure> = {
        do { return .success(try DirtyGuestDisks()) } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    private init() throws {
        scratch = try Scratch()
        ext4 = try GuestTrees.dirty().ext4(in: scratch, megabytes: 24)
        xfs = Tool.exists("mkfs.xfs") ? try GuestTrees.dirty().xfs(in: scratch) : nil
    }

    static func get() throws -> DirtyGuestDisks { try shared.get() }
}

/// What a scan of the dirty guest must say wherever it sits.
func expectDirtyGuest(_ report: ScanReport, _ where_: String) {
    #expect(report.os?.id == "debian", "\(where_)")
    #expect(report.os?.versionID == GuestTrees.hostOSReleaseVersionID, "\(where_)")
    let got = report.findings.map { "\($0.ruleID) \($0.evidence("account") ?? $0.evidence("file") ?? $0.evidence("files") ?? $0.evidence("directory") ?? "")" }
    #expect(got.sorted() == GuestTrees.dirtyFindings.map { "\($0.0) \($0.1)" }.sorted(), "\(where_)")
    #expect(report.warnings.isEmpty, "\(where_): \(report.warnings)")
}

extension GuestTrees {
    static var hostOSReleaseVersionID: String? { OSRelease.parse(Array(hostOSRelease.utf8)).versionID }
}

@Suite(.enabled(if: Tool.exists("mkfs.ext4", "sfdisk", "qemu-img"), "mkfs.ext4, sfdisk or qemu-img is not installed"))
struct ScanAcrossDisksTests {
    @Test func anUnpartitionedExt4RootIsFoundAndScanned() throws {
        let disks = try DirtyGuestDisks.get()
        let report = GuestScanner.scan(disk: try FileByteSource(path: disks.ext4), metadata: nil)
        #expect(report.rootFilesystem == GuestVolumeLocation(partition: nil, kind: .ext4))
        expectDirtyGuest(report, "whole-disk ext4")
    }

    @Test(arguments: ["raw", "qcow2", "vmdk", "vhdx"])
    func anExt4RootOnAnMBRDiskGivesTheSameFindingsInEveryFormat(format: String) throws {
        let disks = try DirtyGuestDisks.get()
        let scratch = try Scratch()
        let raw = try GuestDisks.mbr(root: disks.ext4, in: scratch)
        let image = format == "raw" ? raw : try GuestDisks.convert(raw, to: format, in: scratch)
        let report = try GuestScanner.scan(imageAt: image, metadata: nil, includePackages: true)
        #expect(report.rootFilesystem == GuestVolumeLocation(partition: 1, kind: .ext4))
        expectDirtyGuest(report, "MBR ext4 \(format)")
        #expect(report.packages?.packages.count == GuestTrees.hostInstalledCount, "\(format)")
    }

    @Test(.enabled(if: Tool.exists("mkfs.xfs", "mkfs.vfat")), arguments: ["raw", "qcow2", "vmdk", "vhdx"])
    func anXFSRootOnAGPTDiskWithAnEFIPartitionGivesTheSameFindingsInEveryFormat(format: String) throws {
        let disks = try DirtyGuestDisks.get()
        let xfs = try #require(disks.xfs)
        let scratch = try Scratch()
        let raw = try GuestDisks.gpt(root: xfs, in: scratch)
        let image = format == "raw" ? raw : try GuestDisks.convert(raw, to: format, in: scratch)
        let report = try GuestScanner.scan(imageAt: image, metadata: nil, includePackages: true)
        #expect(report.rootFilesystem == GuestVolumeLocation(partition: 2, kind: .xfs))
        #expect(report.efiSystemPartition == GuestVolumeLocation(partition: 1, kind: .vfat))
        expectDirtyGuest(report, "GPT xfs \(format)")
        #expect(report.packages?.packages.count == GuestTrees.hostInstalledCount, "\(format)")
    }

    @Test(.enabled(if: Tool.exists("mkfs.xfs")))
    func anExt4BootPartitionBeforeTheRootIsPassedOver() throws {
        let disks = try DirtyGuestDisks.get()
        let xfs = try #require(disks.xfs)
        let scratch = try Scratch()
        var boot = RootTree()
        boot.file("/grub/grub.cfg", "set default=0\n")
        let bootImage = try boot.ext4(in: scratch, name: "boot.ext4", megabytes: 8)
        let disk = scratch.file("two.raw")
        try GuestDisks.sparse(disk, size: UInt64(1 + 8 + 300 + 1) << 20)
        try Tool.run("sfdisk", ["-q", disk], input: "label: dos\nstart=2048, size=16384, type=83\nstart=18432, size=614400, type=83\n")
        try GuestDisks.place(bootImage, into: disk, atMiB: 1)
        try GuestDisks.place(xfs, into: disk, atMiB: 9)
        let report = try GuestScanner.scan(imageAt: disk, metadata: nil)
        #expect(report.rootFilesystem == GuestVolumeLocation(partition: 2, kind: .xfs))
        expectDirtyGuest(report, "MBR boot + xfs root")
    }

    @Test func anExt4RootOnAnLVMLogicalVolumeOfTwoSegmentsIsFound() throws {
        let disks = try DirtyGuestDisks.get()
        let scratch = try Scratch()
        let disk = try LVMDisk.build(root: disks.ext4, in: scratch)
        for format in ["raw", "qcow2"] {
            let image = format == "raw" ? disk : try GuestDisks.convert(disk, to: format, in: scratch)
            let report = try GuestScanner.scan(imageAt: image, metadata: nil)
            #expect(report.rootFilesystem == GuestVolumeLocation(partition: 2, logicalVolume: "koovg/root", kind: .ext4), "\(format)")
            expectDirtyGuest(report, "LVM \(format)")
        }
    }

    @Test func scanningA2GiBRootReadsUnder5MiB() throws {
        let scratch = try Scratch()
        var tree = GuestTrees.dirty()
        tree.remove("/var/lib/dpkg")  // the package database is read only for the SBOM
        let image = try tree.ext4(in: scratch, megabytes: 2048)
        let counting = CountingByteSource(try FileByteSource(path: image))
        #expect(counting.size == 2 << 30)
        let report = GuestScanner.scan(disk: counting, metadata: nil)
        expectDirtyGuest(report, "2 GiB ext4")
        print("scanning a 2 GiB ext4 root read \(counting.bytesRead) bytes in \(counting.reads) reads")
        #expect(counting.bytesRead < 5 << 20, "read \(counting.bytesRead) bytes in \(counting.reads) reads")
    }
}

/// A guest disk whose root is on LVM: MBR partition 1 an ext4 /boot (no os-release), partition
/// 2 (type 0x8e) an LVM2 physical volume built from the on-disk format (label in sector 1, PV
/// header, metadata area at 4 KiB, data from 1 MiB, 4 MiB extents) with volume group koovg and
/// logical volume root of two linear segments stored in reverse order: LV extents 0–2 at
/// PE 4–6, LV extents 3–5 at PE 0–2. The root's bytes are copied segment by segment with dd.
enum LVMDisk {
    static let extentMiB = 4
    static let uuid = "Koopackscantestpv0123456789ABCDE"

    /// LVM's CRC: the IEEE polynomial, reflected, seeded with 0xf597a6cf, no final inversion.
    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var value: UInt32 = 0xf597_a6cf
        for byte in bytes {
            value ^= UInt32(byte)
            for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0xedb8_8320 : value >> 1 }
        }
        return value
    }

    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    static func build(root: String, in scratch: Scratch) throws -> String {
        let rootMiB = try GuestDisks.mebibytes(root)
        let half = 3  // extents per segment
        guard rootMiB <= 2 * half * extentMiB else { throw TestFailure("root of \(rootMiB) MiB does not fit the LV") }
        let peCount = 7
        let pvMiB = 1 + peCount * extentMiB
        let pvStartMiB = 17
        var boot = RootTree()
        boot.file("/grub/grub.cfg", "set root=(lvm/koovg-root)\n")
        let bootImage = try boot.ext4(in: scratch, name: "boot.ext4", megabytes: 16)

        let disk = scratch.file("lvm.raw")
        try GuestDisks.sparse(disk, size: UInt64(pvStartMiB + pvMiB) << 20)
        try Tool.run("sfdisk", ["-q", disk], input: "label: dos\nstart=2048, size=32768, type=83\nstart=\(pvStartMiB * 2048), size=\(pvMiB * 2048), type=8e\n")
        try GuestDisks.place(bootImage, into: disk, atMiB: 1)

        // The PV's first MiB: label, PV header, metadata area.
        var head = [UInt8](repeating: 0, count: 1 << 20)
        func put(_ bytes: [UInt8], at offset: Int) { head.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        let label = 512
        put(Array("LABELONE".utf8), at: label)
        put(le64(1), at: label + 8)
        put(le32(32), at: label + 20)
        put(Array("LVM2 001".utf8), at: label + 24)
        let pv = label + 32
        put(Array(uuid.utf8), at: pv)
        put(le64(UInt64(pvMiB) << 20), at: pv + 32)
        put(le64(1 << 20) + le64(0) + le64(0) + le64(0), at: pv + 40)
        put(le64(4096) + le64((1 << 20) - 4096) + le64(0) + le64(0), at: pv + 72)
        put(le32(crc(head[(label + 20)..<(label + 512)])), at: label + 16)
        let dashed = uuid.enumerated().map { i, c in [6, 10, 14, 18, 22, 26].contains(i) ? "-\(c)" : "\(c)" }.joined()
        let text = Array("""
            koovg {
            id = "vg0000-0000-0000-0000-0000-0000-000000"
            seqno = 2
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
            root {
            id = "lv0000-0000-0000-0000-0000-0000-000000"
            status = ["READ", "WRITE", "VISIBLE"]
            flags = []
            segment_count = 2
            segment1 {
            start_extent = 0
            extent_count = \(half)
            type = "striped"
            stripe_count = 1
            stripes = [
            "pv0", 4
            ]
            }
            segment2 {
            start_extent = \(half)
            extent_count = \(half)
            type = "striped"
            stripe_count = 1
            stripes = [
            "pv0", 0
            ]
            }
            }
            }
            }
            contents = "Text Format Volume Group"
            version = 1

            """.utf8)
        let mda = 4096
        put(Array(" LVM2 x[5A%r0N*>".utf8) + le32(1) + le64(4096) + le64((1 << 20) - 4096), at: mda + 4)
        put(le64(512) + le64(UInt64(text.count)) + le32(crc(text[...])) + le32(0), at: mda + 40)
        put(le32(crc(head[(mda + 4)..<(mda + 512)])), at: mda)
        put(text, at: mda + 512)
        let headFile = scratch.file("pv-head")
        try Data(head).write(to: URL(fileURLWithPath: headFile))
        try GuestDisks.place(headFile, into: disk, atMiB: pvStartMiB)

        // Segment 1 (LV extents 0-2) at PE 4, segment 2 (LV extents 3-5) at PE 0.
        let segmentMiB = half * extentMiB
        let dataMiB = pvStartMiB + 1
        try Tool.run("dd", ["if=\(root)", "of=\(disk)", "bs=1M", "count=\(segmentMiB)", "seek=\(dataMiB + 4 * extentMiB)", "conv=notrunc,sparse", "status=none"])
        try Tool.run("dd", ["if=\(root)", "of=\(disk)", "bs=1M", "skip=\(segmentMiB)", "count=\(segmentMiB)", "seek=\(dataMiB)", "conv=notrunc,sparse", "status=none"])
        return disk
    }
}
