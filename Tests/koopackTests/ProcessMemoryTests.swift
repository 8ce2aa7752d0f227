import Foundation
import Testing
import KoopackTestSupport

/// `ProcessMemory.reserveHeapGrowth`: the heaps of koopack's worker threads grow in a few steps,
/// not a page at a time (counted in system calls, which do not depend on the machine's load).
@Suite struct ProcessMemoryTests {
    @Test(.enabled(if: Tool.exists("strace", "python3")))
    func anAuditOfThousandsOfImagesGrowsItsHeapsInAFewSteps() throws {
        let scratch = try Scratch()
        let account = scratch.file("account")
        try Tool.run("python3", [AuditFixtureFiles.directory.appendingPathComponent("make-account.py").path,
                                 "--out", account, "--large", "4000"])
        let files = try FileManager.default.contentsOfDirectory(atPath: account).sorted().map { account + "/" + $0 }
        let summary = scratch.file("strace")
        try Tool.run("strace", ["-f", "-c", "-e", "trace=mprotect", "-o", summary, KoopackBinary.path,
                                "audit", "--format", "json"] + files)
        // strace -c: "% time  seconds  usecs/call  calls  errors  syscall", one row per call.
        let row = try String(contentsOfFile: summary, encoding: .utf8).split(separator: "\n")
            .first { $0.hasSuffix(" mprotect") }
        let calls = row.flatMap { line in line.split(separator: " ").dropLast().last.flatMap { Int($0) } } ?? 0
        // Paged heaps made one call per page the audit's threads grew into: over 3,000 here.
        #expect(calls < 200, "mprotect calls: \(calls)")
    }
}
