import Foundation
import Testing

/// `koopack quota`: the near misses of every KG3xx rule through `quota plan`, and the ledger
/// commands.
@Suite struct QuotaCommandTests {
    /// Makes `name` in `scratch`: `size` bytes, sparse except for `marker` at the start (so that
    /// files of one size still differ).
    func sparse(_ scratch: Scratch, _ name: String, size: UInt64, marker: String) throws -> String {
        let path = scratch.file(name)
        FileManager.default.createFile(atPath: path, contents: Data(marker.utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: size)
        try handle.close()
        return path
    }

    func plan(_ scratch: Scratch, _ arguments: [String]) throws -> ToolRun {
        try KoopackBinary.run(["quota", "plan", "--ledger", scratch.file("ledger.sqlite")] + arguments,
                              environment: ["KOOPACK_NOW": String(ExampleReleaseCopy.now)])
    }

    func dayLines(_ output: String) -> [String] {
        output.split(separator: "\n").filter { $0.hasPrefix("day ") }.map(String.init)
    }

    @Test func exactlyOneHundredFilesFitOneDayAndTheHundredAndFirstMovesToTheNext() throws {
        let scratch = try Scratch()
        let files = try (0..<101).map { try scratch.write("f\($0).txt", Array("file \($0)\n".utf8)) }
        let hundred = try plan(scratch, Array(files.prefix(100)))
        #expect(hundred.status == 0, "\(hundred.stderr)")
        #expect(dayLines(hundred.stdout).count == 1)
        #expect(dayLines(hundred.stdout).first?.hasPrefix("day 1: 2025-11-25 (GMT+08:00): 100 files") == true)

        let more = try plan(scratch, files)
        #expect(more.status == 0)
        #expect(dayLines(more.stdout).count == 2)
        #expect(dayLines(more.stdout).last?.hasPrefix("day 2: 2025-11-26 (GMT+08:00): 1 file,") == true)

        let forcedHundred = try plan(scratch, ["--day", "2025-11-25"] + files.prefix(100))
        #expect(forcedHundred.status == 0)
        #expect(!forcedHundred.stdout.contains("KG301"))
        let forced = try plan(scratch, ["--day", "2025-11-25"] + files)
        #expect(forced.status == 1)
        #expect(forced.stdout.contains("KG301 quota-files"))
        #expect(forced.stdout.contains("101 files"))
    }

    @Test func exactlyTenBillionBytesFitOneDayAndOneMoreByteMovesToTheNext() throws {
        let scratch = try Scratch()
        // Two halves, hashed on two cores: 5,000,000,000 + 4,999,999,999 + 1 = 10,000,000,000.
        let a = try sparse(scratch, "a.bin", size: 5_000_000_000, marker: "a")
        let b = try sparse(scratch, "b.bin", size: 4_999_999_999, marker: "b")
        let c = try scratch.write("c.bin", [0x63])
        let d = try scratch.write("d.bin", [0x64])
        let exact = try plan(scratch, [a, b, c])
        #expect(exact.status == 0, "\(exact.stderr)")
        #expect(dayLines(exact.stdout) == ["day 1: 2025-11-25 (GMT+08:00): 3 files, 9.31 GiB (10,000,000,000 bytes) added"])
        #expect(!exact.stdout.contains("KG30"))

        let over = try plan(scratch, [a, b, c, d])
        #expect(over.status == 0)
        #expect(dayLines(over.stdout).count == 2)
        #expect(dayLines(over.stdout).last == "day 2: 2025-11-26 (GMT+08:00): 1 file, 1 byte added")

        let forced = try plan(scratch, ["--day", "2025-11-25", a, b, c, d])
        #expect(forced.status == 1)
        #expect(forced.stdout.contains("KG302 quota-bytes"))
        #expect(forced.stdout.contains("10,000,000,001 bytes"))
        #expect(!forced.stdout.contains("KG301"))
    }

    @Test func aFileOfOneByteMoreThanADaysQuotaIsKG303AndOneOfExactlyTheQuotaIsNot() throws {
        let scratch = try Scratch()
        let over = try sparse(scratch, "over.bin", size: 10_000_000_001, marker: "o")
        let run = try plan(scratch, [over])
        #expect(run.status == 1)
        #expect(run.stdout.contains("KG303 file-over-daily-quota"))
        #expect(run.stdout.contains("10,000,000,001 bytes"))
        // The limit is configurable; exactly a day's quota is still one upload.
        let exact = try scratch.write("exact.bin", [UInt8](repeating: 7, count: 1000))
        let fits = try plan(scratch, ["--bytes-per-day", "1000", exact])
        #expect(fits.status == 0)
        #expect(!fits.stdout.contains("KG303"))
        let oneMore = try scratch.write("more.bin", [UInt8](repeating: 7, count: 1001))
        let refused = try plan(scratch, ["--bytes-per-day", "1000", oneMore])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("KG303"))
    }

    @Test func badQuotaOptionsAreUsageErrors() throws {
        let scratch = try Scratch()
        let file = try scratch.write("f.txt", Array("x".utf8))
        #expect(try plan(scratch, ["--timezone", "Mars/Olympus", file]).status == 2)
        #expect(try plan(scratch, ["--files-per-day", "0", file]).status == 2)
        #expect(try plan(scratch, ["--day", "2025-02-30", file]).status == 2)
        #expect(try plan(scratch, [scratch.file("missing.txt")]).status == 2)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func recordAndCancelTakeABundleFolderOrItsID() throws {
        let release = try ExampleReleaseCopy()
        let first = release.scratch.file("first"), second = release.scratch.file("second")
        #expect(try release.bundle(first, ["--files-per-day", "4"]).status == 0)
        let secondRelease = release.scratch.file("release-2")
        try FileManager.default.copyItem(atPath: release.folder, toPath: secondRelease)
        try "#!/bin/sh\necho second\n".write(toFile: secondRelease + "/software/install-agent.sh", atomically: true, encoding: .utf8)
        // Another product: bundling the same one again would supersede the first bundle.
        let yaml = secondRelease + "/release.yaml"
        try (try String(contentsOfFile: yaml, encoding: .utf8)).replacingOccurrences(
            of: "name: Acme WebStack 2.4", with: "name: Acme WebStack 2.5").write(toFile: yaml, atomically: true, encoding: .utf8)
        #expect(try release.bundle(second, ["--files-per-day", "4"], yaml: secondRelease + "/release.yaml").status == 0)
        let ids = try [first, second].map { try #require(try readManifest($0)["bundle-id"] as? String) }

        let record = try KoopackBinary.run(["quota", "record", first, "--day", "2025-11-25", "--ledger", release.ledger])
        #expect(record.status == 0, "\(record.stderr)")
        #expect(record.stdout.contains("4 files recorded as uploaded"))
        let entries = try #require(try release.status()["entries"] as? [[String: Any]])
        #expect(entries.filter { $0["bundle-id"] as? String == ids[0] }.allSatisfy { $0["state"] as? String == "uploaded" })

        let cancel = try KoopackBinary.run(["quota", "cancel", ids[1], "--ledger", release.ledger])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        for day in ["2025-11-25", "2025-11-26", "2025-11-27"] {
            let bundles = try release.status(day: day)["bundles"] as? [String] ?? []
            #expect(!bundles.contains(ids[1]))
        }
        let unknown = try KoopackBinary.run(["quota", "cancel", "no-such-bundle", "--ledger", release.ledger])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no-such-bundle"))
    }

    @Test func theDefaultLedgerLivesUnderXDGDataHome() throws {
        let scratch = try Scratch()
        let run = try KoopackBinary.run(["quota", "status", "--format", "json"], environment: ["XDG_DATA_HOME": scratch.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("koopack/ledger.sqlite")))
    }
}
