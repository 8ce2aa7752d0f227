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
}
