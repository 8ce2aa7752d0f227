import DiskImage
import Foundation
import Testing
@testable import ImagePackage

/// One route per input: discovery counts a package's data disks once, and `ImageReport.read`
/// reads a file or an archive member the same way, opening its guest once.
@Suite struct ImageReportTests {
    static let sfdisk = FileManager.default.isExecutableFile(atPath: "/usr/sbin/sfdisk")

    /// A 16 MiB raw disk named `name` with one bootable Linux partition, partitioned by sfdisk.
    @discardableResult
    static func mbrDisk(_ scratch: Scratch, _ name: String) throws -> String {
        try scratch.run("/bin/sh", ["-c", "truncate -s 16M \(name) && printf 'label: dos\\n,8MiB,L,*\\n' | /usr/sbin/sfdisk -q \(name)"])
        return scratch.file(name)
    }

    @Test func aDataImageInAFolderIsCountedForTheOtherImagesButNotForItself() throws {
        let scratch = try Scratch()
        try scratch.write("system.raw", pattern(4096, seed: 1))
        try scratch.write("data.raw", pattern(4096, seed: 2))
        try scratch.write("data.raw.json", Array(#"{"virtual_env_type": "DataImage"}"#.utf8))
        let inputs = try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions())
        let counts = Dictionary(uniqueKeysWithValues: inputs.map { ($0.displayName, $0.dataDiskCount) })
        #expect(counts == [scratch.file("system.raw"): 1, scratch.file("data.raw"): 0])
        // Named alone, an image travels with nothing.
        #expect(try ImageDiscovery.discover(scratch.file("system.raw"), options: DiscoveryOptions()).map(\.dataDiskCount) == [0])
    }

    @Test func everyDiskAfterTheFirstOfAnOVAIsADataDiskOfTheFirst() throws {
        let scratch = try Scratch()
        for (index, name) in ["disk1.raw", "disk2.raw", "disk3.raw"].enumerated() {
            try scratch.write(name, pattern(2048, seed: UInt32(index + 1)))
        }
        try scratch.run("/usr/bin/tar", ["-cf", "app.ova", "disk1.raw", "disk2.raw", "disk3.raw"])
        let inputs = try ImageDiscovery.discover(scratch.file("app.ova"), options: DiscoveryOptions())
        #expect(inputs.map(\.displayName) == ["disk1.raw", "disk2.raw", "disk3.raw"].map { scratch.file("app.ova") + ":" + $0 })
        #expect(inputs.map(\.dataDiskCount) == [2, 0, 0])
        // The same disks in a plain tar carry no such convention.
        try scratch.run("/usr/bin/tar", ["-cf", "app.tar", "disk1.raw", "disk2.raw", "disk3.raw"])
        #expect(try ImageDiscovery.discover(scratch.file("app.tar"), options: DiscoveryOptions()).map(\.dataDiskCount) == [0, 0, 0])
    }

    @Test(.enabled(if: sfdisk, "sfdisk is not installed"))
    func aFileIsReadWithItsGuestOpenedOnceOrWithoutItsGuest() throws {
        let scratch = try Scratch()
        let path = try Self.mbrDisk(scratch, "disk.raw")
        let input = try #require(try ImageDiscovery.discover(path, options: DiscoveryOptions()).first)
        let report = try ImageReport.read(input, readGuest: true)
        #expect(report.info.format == "raw")
        #expect(report.info.guest?.partitionTable == .mbr)
        #expect(report.info.guest?.partitions.map(\.start) == [1 << 20])
        let opened = try #require(try report.guest?.get())
        #expect(opened.disk.size == 16 << 20)
        #expect(try opened.view.get().partitions.count == 1)
        let bare = try ImageReport.read(input, readGuest: false)
        #expect(bare.guest == nil && bare.info.guest == nil)
    }

    @Test(.enabled(if: sfdisk, "sfdisk is not installed"))
    func anArchiveMemberIsReadLikeAFileFromWhatTheStreamKept() throws {
        let scratch = try Scratch()
        try Self.mbrDisk(scratch, "disk.raw")
        try scratch.run("/usr/bin/tar", ["-cf", "disk.tar", "disk.raw"])
        let input = try #require(try ImageDiscovery.discover(scratch.file("disk.tar"), options: DiscoveryOptions()).first)
        let report = try ImageReport.read(input, readGuest: true)
        #expect(report.info.actualSize == 16 << 20)
        #expect(report.info.guest?.partitionTable == .mbr)
        #expect(try report.guest?.get().view.get().partitions.map(\.start) == [1 << 20])
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aGuestThatCannotBeOpenedIsAWarningAndAFailureNotAnError() throws {
        let scratch = try Scratch()
        try scratch.run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", "base.qcow2", "16M"])
        try scratch.run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "overlay.qcow2"])
        try FileManager.default.removeItem(atPath: scratch.file("base.qcow2"))
        let report = try ImageReport.read(ImageInput(file: scratch.file("overlay.qcow2")), readGuest: true)
        #expect(report.info.backingFilename == "base.qcow2")
        #expect(report.info.guest == nil)
        #expect(report.info.warnings.contains { $0.hasPrefix("guest disk not read: ") })
        guard case let .failure(error)? = report.guest else { Issue.record("the guest opened"); return }
        #expect(error.kind == .io && error.file == scratch.file("base.qcow2"), "\(error.kind): \(error)")
    }

    @Test func anInputWhoseSidecarIsDamagedThrowsItsProblem() throws {
        let scratch = try Scratch()
        try scratch.write("a.raw", pattern(1024, seed: 1))
        try scratch.write("a.raw.json", Array("{".utf8))
        try scratch.write("b.raw", pattern(1024, seed: 2))
        let inputs = try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions())
        let damaged = try #require(inputs.first { $0.unreadable != nil })
        let error = #expect(throws: ImageError.self) { try ImageReport.read(damaged, readGuest: true) }
        #expect(error?.kind == .invalid && error?.file == scratch.file("a.raw.json"))
    }
}
