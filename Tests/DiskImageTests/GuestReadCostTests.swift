import Foundation
import Synchronization
import Testing
@testable import DiskImage

/// Opens files on the host and counts every byte read from them, across the backing chain.
final class CountingResolver: FileResolver {
    private let host = HostFileResolver()
    private let opened = Mutex<[CountingByteSource]>([])

    func open(_ path: String) throws -> any ByteSource {
        let source = CountingByteSource(try host.open(path))
        opened.withLock { $0.append(source) }
        return source
    }
    func allocatedSize(of path: String) -> UInt64? { host.allocatedSize(of: path) }
    func canonicalPath(_ path: String) -> String? { host.canonicalPath(path) }

    var bytesRead: UInt64 { opened.withLock { $0.reduce(0) { $0 + $1.bytesRead } } }
    var reads: Int { opened.withLock { $0.reduce(0) { $0 + $1.reads } } }
}

@Suite struct GuestReadCostTests {
    /// A 40 GiB system disk (GPT, a vfat EFI system partition and an ext4 root) compressed into
    /// qcow2: the header and the guest view together read a few hundred kilobytes, not the disk.
    @Test(.enabled(if: QemuImg.available && Tool.exists("sfdisk", "mkfs.ext4", "mkfs.vfat"),
                   "needs qemu-img, sfdisk, mkfs.ext4 and mkfs.vfat"))
    func theGuestViewOfACompressed40GiBSystemDiskReadsAFewHundredKilobytes() throws {
        let directory = try Scratch()
        let raw = directory.file("system.raw")
        let diskBytes: UInt64 = 40 << 30
        try DiskTool.sparseFile(raw, bytes: diskBytes)
        try Tool.run("sfdisk", ["-q", raw], input: """
            label: gpt
            start=2048, size=204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"
            start=206848, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"

            """)
        let esp = directory.file("esp.img")
        try DiskTool.sparseFile(esp, bytes: 100 << 20)
        try Tool.run("mkfs.vfat", ["-n", "ESP", esp])
        try DiskTool.copy(esp, into: raw, at: 2048 * 512)
        // The root filesystem is made in place at its partition's offset: copying a 40 GiB
        // sparse file in would read 40 GiB of holes.
        let rootBytes = diskBytes - 206848 * 512 - 34 * 512
        try Tool.run("mkfs.ext4", ["-q", "-F", "-E", "offset=\(206848 * 512),lazy_itable_init=1,lazy_journal_init=1",
                                       "-L", "root", raw, "\(rootBytes / 1024)k"])
        try? FileManager.default.removeItem(atPath: esp)
        let image = directory.file("system.qcow2")
        try QemuImg.run(["convert", "-c", "-O", "qcow2", raw, image])
        try? FileManager.default.removeItem(atPath: raw)

        let resolver = CountingResolver()
        let info = try ImageInspector(resolver: resolver).inspect(path: image, guest: true)
        let guest = try #require(info.guest)
        #expect(info.virtualSize == diskBytes)
        #expect(guest.partitionTable == .gpt)
        #expect(guest.boot == .uefi)
        #expect(guest.partitions.map { $0.filesystem?.name } == ["vfat", "ext4"])
        #expect(resolver.bytesRead <= 512 << 10, "read \(resolver.bytesRead) bytes in \(resolver.reads) reads")
    }
}
