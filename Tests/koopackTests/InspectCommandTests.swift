import Foundation
import Testing

@Suite struct InspectCommandTests {
    @Test func aReadableImageIsReportedOnStandardOutputWithExitZero() throws {
        let scratch = try Scratch()
        let disk = try scratch.write("disk.img", [UInt8](repeating: 7, count: 1 << 20))
        let run = try KoopackBinary.run(["inspect", disk])
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        #expect(run.stdout.contains("disk.img"))
        #expect(run.stdout.contains("1,048,576 bytes"))
    }

    @Test func aMissingFileIsOneLineOnStandardErrorAndTheOthersAreStillReported() throws {
        let scratch = try Scratch()
        let good = try scratch.write("good.img", [UInt8](repeating: 1, count: 4096))
        let missing = scratch.file("missing.img")
        let run = try KoopackBinary.run(["inspect", "--format", "json", missing, good])
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("missing.img") == true)
        #expect(lines.first?.contains("No such file") == true)
        let reports = try parseReports(run.stdout)
        #expect(reports.count == 1)
        #expect(reports.first?["filename"] as? String == good)
    }

    @Test func aDirectoryIsAnErrorNamingIt() throws {
        let scratch = try Scratch()
        let run = try KoopackBinary.run(["inspect", scratch.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains(scratch.path))
        #expect(run.stderr.contains("directory"))
    }

    @Test func jsonOutputKeepsTheOrderOfTheArguments() throws {
        let scratch = try Scratch()
        let names = (0..<40).map { "disk-\($0).img" }
        let paths = try names.enumerated().map { try scratch.write($1, [UInt8](repeating: 0, count: 512 * ($0 + 1))) }
        let run = try KoopackBinary.run(["inspect", "--format", "json"] + paths)
        #expect(run.status == 0)
        let reports = try parseReports(run.stdout)
        #expect(reports.map { $0["filename"] as? String } == paths)
        #expect(reports.map { ($0["virtual-size"] as? NSNumber)?.intValue } == (0..<40).map { 512 * ($0 + 1) })
    }

    @Test func noColourWhenOutputIsNotATerminal() throws {
        let scratch = try Scratch()
        let disk = try scratch.write("disk.img", [UInt8](repeating: 0, count: 512))
        let run = try KoopackBinary.run(["inspect", disk])
        #expect(!run.stdout.contains("\u{1B}["))
    }

    @Test func anUnknownOptionIsAUsageErrorWithExitTwo() throws {
        let run = try KoopackBinary.run(["inspect", "--no-such-option", "x"])
        #expect(run.status == 2)
        #expect(!run.stderr.isEmpty)
    }
    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aBackingFileIsShownAsWrittenAndResolved() throws {
        let scratch = try Scratch()
        try QemuImg.run(["create", "-f", "qcow2", scratch.file("base.qcow2"), "16M"])
        try QemuImg.run(["create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", scratch.file("top.qcow2")])
        let run = try KoopackBinary.run(["inspect", "--format", "json", scratch.file("top.qcow2")])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try parseReports(run.stdout).first)
        #expect(report["backing-filename"] as? String == "base.qcow2")
        #expect(report["full-backing-filename"] as? String == scratch.file("base.qcow2"))
        #expect(report["backing-filename-format"] as? String == "qcow2")
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aBackingLoopIsAnErrorNotAHang() throws {
        let scratch = try Scratch()
        // a → b → a: made by creating both, then rebasing a onto b without checks.
        try QemuImg.run(["create", "-f", "qcow2", scratch.file("a.qcow2"), "16M"])
        try QemuImg.run(["create", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", scratch.file("b.qcow2")])
        try QemuImg.run(["rebase", "-u", "-b", "b.qcow2", "-F", "qcow2", scratch.file("a.qcow2")])
        let run = try KoopackBinary.run(["inspect", scratch.file("a.qcow2")])
        #expect(run.status == 2)
        #expect(run.stderr.contains("backing loop"))
        #expect(run.stderr.contains("a.qcow2"))
    }
}

@Suite struct InspectGuestTests {
    @Test(.enabled(if: QemuImg.available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/sfdisk"), "needs qemu-img and sfdisk"))
    func theGuestViewIsInTheJSONAndNoGuestLeavesItOut() throws {
        let scratch = try Scratch()
        let raw = scratch.file("disk.raw")
        FileManager.default.createFile(atPath: raw, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: raw))
        try handle.truncate(atOffset: 32 << 20)
        try handle.close()
        try Tool.run("sfdisk", ["-q", raw], input: "label: dos\nstart=2048, size=20480, type=83, bootable\nstart=22528, type=82\n")
        try QemuImg.run(["convert", "-O", "qcow2", raw, scratch.file("disk.qcow2")])

        let run = try KoopackBinary.run(["inspect", "--format", "json", scratch.file("disk.qcow2")])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try parseReports(run.stdout).first)
        let guest = try #require(report["guest"] as? [String: Any])
        #expect(guest["partition-table"] as? String == "mbr")
        #expect(guest["boot"] as? String == "bios")
        let partitions = try #require(guest["partitions"] as? [[String: Any]])
        #expect(partitions.map { ($0["start"] as? NSNumber)?.intValue } == [2048 * 512, 22528 * 512])
        #expect(partitions.map { $0["type"] as? String } == ["0x83", "0x82"])
        #expect(partitions.first?["bootable"] as? Bool == true)

        let text = try KoopackBinary.run(["inspect", scratch.file("disk.qcow2")])
        #expect(text.stdout.contains("mbr partition table, boot bios"))

        let skipped = try KoopackBinary.run(["inspect", "--format", "json", "--no-guest", scratch.file("disk.qcow2")])
        #expect(try parseReports(skipped.stdout).first?["guest"] == nil)
    }
}
