import Foundation
import Testing

/// The committed example release (testdata/releases/example) copied to a scratch folder, with
/// its committed image: a 64 MiB system disk (an MBR with one bootable Linux partition) as qcow2.
final class ExampleReleaseCopy {
    static let source = SourceTree.testdata("releases/example")
    /// 2025-11-25 00:00:00 in GMT+08:00 (2025-11-24T16:00:00Z).
    static let now: Int64 = 1_764_000_000

    let scratch: Scratch
    var folder: String { scratch.file("release") }
    var yaml: String { folder + "/release.yaml" }
    var ledger: String { scratch.file("ledger.sqlite") }

    init() throws {
        scratch = try Scratch()
        try FileManager.default.copyItem(atPath: Self.source, toPath: folder)
    }

    /// Runs `koopack bundle` on the copy, with its ledger and the fixed "now".
    func bundle(_ out: String, _ extra: [String] = [], yaml: String? = nil) throws -> ToolRun {
        try KoopackBinary.run(["bundle", yaml ?? self.yaml, "--out", out, "--ledger", ledger] + extra,
                              environment: ["KOOPACK_NOW": String(Self.now)])
    }

    /// `koopack quota status --format json` for `day` of the copy's ledger.
    func status(day: String = "2025-11-25") throws -> [String: Any] {
        let run = try KoopackBinary.run(["quota", "status", "--ledger", ledger, "--day", day, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    func replaceInYAML(_ old: String, _ new: String) throws {
        let text = try String(contentsOfFile: yaml, encoding: .utf8)
        #expect(text.contains(old), "\(old) is not in release.yaml")
        try text.replacingOccurrences(of: old, with: new).write(toFile: yaml, atomically: true, encoding: .utf8)
    }

    /// Names in the scratch folder beginning with `.` (hidden partial bundle folders).
    func hiddenEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }
    }
}

/// The manifest of the bundle at `folder`, parsed by Foundation.
func readManifest(_ folder: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// Starts koopack without waiting for it.
func startKoopack(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: KoopackBinary.path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

/// Waits (up to `seconds`) until `condition` holds.
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct BundleCommandTests {
    @Test func theExampleReleaseBundlesEndToEndAndSha256sumAndVerifyAgree() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")

        let manifest = try readManifest(out)
        let files = try #require(manifest["files"] as? [[String: Any]])
        let roles = Dictionary(uniqueKeysWithValues: files.map { ($0["name"] as? String ?? "", $0["role"] as? String ?? "") })
        #expect(roles == ["documents/eula.txt": "eula", "documents/user-guide.md": "user-guide",
                          "documents/certificate.pdf": "certificate", "documents/oss-notice.txt": "oss-notice",
                          "images/web.qcow2": "image", "images/web.qcow2.json": "metadata",
                          "software/install-agent.sh": "software"])
        for file in files {
            let name = try #require(file["name"] as? String)
            let path = try #require(file["path"] as? String)
            #expect(path == "day-01/" + name)
            let source = release.folder + "/" + name
            let size = try FileManager.default.attributesOfItem(atPath: source)[.size] as? Int
            #expect((file["size"] as? NSNumber)?.intValue == size)
            let digest = try Tool.capture("sha256sum", [source]).stdout.prefix(64)
            #expect(file["sha256"] as? String == String(digest), "\(name)")
            let day = try #require(file["day"] as? [String: Any])
            #expect(day["date"] as? String == "2025-11-25")
            #expect((day["index"] as? NSNumber)?.intValue == 1)
        }
        let facts = try #require(manifest["release"] as? [String: Any])
        #expect(facts["product"] as? String == "Acme WebStack 2.4")
        #expect(facts["regions"] as? [String] == ["ap-southeast-3", "ap-southeast-2", "ap-southeast-1"])
        #expect((facts["pricing"] as? [String: Any])?["template"] as? String == "vcpu")
        #expect((facts["specifications"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Standard", "Enterprise"])

        #expect(try Tool.capture("sha256sum", ["-c", "--strict", "SHA256SUMS"], in: out).status == 0)
        let verify = try KoopackBinary.run(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified"))

        let status = try release.status()
        #expect((status["files"] as? NSNumber)?.intValue == 7)
        #expect((status["bundles"] as? [String]) == [manifest["bundle-id"] as? String ?? "?"])
        #expect(try release.hiddenEntries().isEmpty)
        #expect(!run.stderr.contains("\u{1B}["), "no progress bar when standard error is not a terminal")
    }

    @Test func aTightFileQuotaSpreadsTheBundleOverDayFolders() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out, ["--files-per-day", "3"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let days = try #require(try readManifest(out)["days"] as? [[String: Any]])
        #expect(days.map { $0["date"] as? String } == ["2025-11-25", "2025-11-26", "2025-11-27"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted()
                == ["SHA256SUMS", "day-01", "day-02", "day-03", "manifest.json"])
        #expect(try Tool.capture("sha256sum", ["-c", "--strict", "SHA256SUMS"], in: out).status == 0)
        #expect((try release.status(day: "2025-11-27")["files"] as? NSNumber)?.intValue == 1)
    }

    @Test func theQuotaDayFollowsTheTimeZone() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        // 2025-11-24T16:00:00Z is 2025-11-25 in GMT+08:00 but still 2025-11-24 in UTC-3.
        let run = try release.bundle(out, ["--timezone", "UTC-3"])
        #expect(run.status == 0, "\(run.stderr)")
        let day = try #require((try readManifest(out)["files"] as? [[String: Any]])?.first?["day"] as? [String: Any])
        #expect(day["date"] as? String == "2025-11-24")
    }

    @Test func anIneligibleImageIsReportedAndNothingIsWritten() throws {
        let release = try ExampleReleaseCopy()
        let sidecar = release.folder + "/images/web.qcow2.json"
        let text = try String(contentsOfFile: sidecar, encoding: .utf8)
        try text.replacingOccurrences(of: "\"__system__cmkid\": \"\"", with: "\"__system__cmkid\": \"kms-key-1\"")
            .write(toFile: sidecar, atomically: true, encoding: .utf8)
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out)
        #expect(run.status == 1)
        #expect(run.stdout.contains("KG104"))
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try release.hiddenEntries().isEmpty)
        #expect((try release.status()["files"] as? NSNumber)?.intValue == 0)
    }

    @Test func aDocumentFindingBlocksTheBundle() throws {
        let release = try ExampleReleaseCopy()
        try "This EULA applies to [PRODUCT NAME].\n".write(toFile: release.folder + "/documents/eula.txt", atomically: true, encoding: .utf8)
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out)
        #expect(run.status == 1)
        #expect(run.stdout.contains("KG201"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func anExistingOutputFolderIsAUsageError() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        let run = try release.bundle(out)
        #expect(run.status == 2)
        #expect(run.stderr.contains("already exists"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }

    @Test func badYAMLIsExitTwoWithTheLineAndNothingWritten() throws {
        let release = try ExampleReleaseCopy()
        try "product:\n  name: [unclosed\n".write(toFile: release.yaml, atomically: true, encoding: .utf8)
        try expectRefused(release, mentioning: "release.yaml")
    }

    @Test func aMissingDocumentIsExitTwoNamingIt() throws {
        let release = try ExampleReleaseCopy()
        try FileManager.default.removeItem(atPath: release.folder + "/documents/oss-notice.txt")
        try expectRefused(release, mentioning: "documents/oss-notice.txt")
    }

    @Test func aPathClimbingOutWithDotDotIsExitTwo() throws {
        let release = try ExampleReleaseCopy()
        try "outside".write(toFile: release.scratch.file("outside.txt"), atomically: true, encoding: .utf8)
        try release.replaceInYAML("oss-notice: documents/oss-notice.txt", "oss-notice: ../outside.txt")
        try expectRefused(release, mentioning: "../outside.txt")
    }

    @Test func aSymbolicLinkLeadingOutIsExitTwo() throws {
        let release = try ExampleReleaseCopy()
        try "outside".write(toFile: release.scratch.file("outside.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: release.folder + "/documents/oss-notice.txt")
        try FileManager.default.createSymbolicLink(atPath: release.folder + "/documents/oss-notice.txt",
                                                   withDestinationPath: release.scratch.file("outside.txt"))
        try expectRefused(release, mentioning: "oss-notice")
    }

    @Test func aFolderWhereAFileShouldBeIsExitTwo() throws {
        let release = try ExampleReleaseCopy()
        try FileManager.default.removeItem(atPath: release.folder + "/software/install-agent.sh")
        try FileManager.default.createDirectory(atPath: release.folder + "/software/install-agent.sh", withIntermediateDirectories: false)
        try expectRefused(release, mentioning: "software/install-agent.sh")
    }

    @Test(.enabled(if: getuid() != 0, "root reads files whatever their mode"))
    func anUnreadableFileIsExitTwo() throws {
        let release = try ExampleReleaseCopy()
        chmod(release.folder + "/software/install-agent.sh", 0)
        try expectRefused(release, mentioning: "install-agent.sh")
    }

    func expectRefused(_ release: ExampleReleaseCopy, mentioning text: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(text), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: out), sourceLocation: sourceLocation)
        #expect(try release.hiddenEntries().isEmpty, sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: release.ledger), "the ledger is not even opened", sourceLocation: sourceLocation)
    }
}

@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct BundleInterruptionTests {
    /// The example release plus a 6 GiB sparse software file: hashing it takes seconds.
    func largeRelease() throws -> ExampleReleaseCopy {
        let release = try ExampleReleaseCopy()
        let big = release.folder + "/software/appliance-data.bin"
        FileManager.default.createFile(atPath: big, contents: Data("koopack".utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        try handle.truncate(atOffset: 6 << 30)
        try handle.close()
        try release.replaceInYAML("  - software/install-agent.sh", "  - software/install-agent.sh\n  - software/appliance-data.bin")
        return release
    }

    @Test func aKillDuringTheCopyLeavesNoBundleNoReservationAndTheNextRunSucceeds() throws {
        let release = try largeRelease()
        let out = release.scratch.file("bundle")
        let process = try startKoopack(["bundle", release.yaml, "--out", out, "--ledger", release.ledger],
                                       environment: ["KOOPACK_NOW": String(ExampleReleaseCopy.now)])
        let partial = release.scratch.file(".bundle.partial-\(process.processIdentifier)")
        #expect(waitUntil(seconds: 30) {
            FileManager.default.fileExists(atPath: partial + "/.staging/software/appliance-data.bin")
        })
        usleep(300_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "koopack finished before it was killed")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect((try release.status()["files"] as? NSNumber)?.intValue == 0)

        let again = try release.bundle(out)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("removed"))
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(try release.hiddenEntries().isEmpty)
        #expect((try release.status()["files"] as? NSNumber)?.intValue == 8)
    }

    @Test func sigtermDuringTheCopyRemovesThePartialFolder() throws {
        let release = try largeRelease()
        let out = release.scratch.file("bundle")
        let process = try startKoopack(["bundle", release.yaml, "--out", out, "--ledger", release.ledger],
                                       environment: ["KOOPACK_NOW": String(ExampleReleaseCopy.now)])
        let partial = release.scratch.file(".bundle.partial-\(process.processIdentifier)")
        #expect(waitUntil(seconds: 30) { FileManager.default.fileExists(atPath: partial + "/.staging/software/appliance-data.bin") })
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + SIGTERM)
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect((try release.status()["files"] as? NSNumber)?.intValue == 0)
    }

    @Test func aCrashBetweenReservingAndRenamingIsUndoneByTheNextRun() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        let crashed = try KoopackBinary.run(["bundle", release.yaml, "--out", out, "--ledger", release.ledger],
                                            environment: ["KOOPACK_NOW": String(ExampleReleaseCopy.now), "KOOPACK_FAULT": "after-reserve"])
        #expect(crashed.status != 0)
        #expect(!FileManager.default.fileExists(atPath: out))
        // The reservation was committed, then the process died: the next run that opens the
        // ledger (here `quota status`) cancels it.
        #expect((try release.status()["files"] as? NSNumber)?.intValue == 0)
        let again = try release.bundle(out)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try release.hiddenEntries().isEmpty)
        let status = try release.status()
        #expect((status["files"] as? NSNumber)?.intValue == 7)
        #expect((status["bundles"] as? [String])?.count == 1)
    }
}

@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct BundleConcurrencyTests {
    @Test func twentyBundlesAtOnceNeverOverbookADay() throws {
        let base = try ExampleReleaseCopy()
        let filesPerDay = 10
        var processes: [Process] = []
        var outs: [String] = []
        for index in 0..<20 {
            // Each release differs in its software file, so that every bundle adds a new file,
            let folder = base.scratch.file("release-\(index)")
            try FileManager.default.copyItem(atPath: base.folder, toPath: folder)
            try "#!/bin/sh\necho agent \(index)\n".write(toFile: folder + "/software/install-agent.sh", atomically: true, encoding: .utf8)
            // ... and in its product: bundling one release again would supersede its earlier bundle.
            let yaml = folder + "/release.yaml"
            try (try String(contentsOfFile: yaml, encoding: .utf8)).replacingOccurrences(
                of: "name: Acme WebStack 2.4", with: "name: Acme WebStack 2.4 build \(index)").write(toFile: yaml, atomically: true, encoding: .utf8)
            let out = base.scratch.file("bundle-\(index)")
            outs.append(out)
            processes.append(try startKoopack(
                ["bundle", folder + "/release.yaml", "--out", out, "--ledger", base.ledger, "--files-per-day", String(filesPerDay)],
                environment: ["KOOPACK_NOW": String(ExampleReleaseCopy.now)]))
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        var bundles: Set<String> = []
        var days = 0
        for offset in 0..<20 {
            let date = Calendar(identifier: .gregorian).date(byAdding: .day, value: offset, to: Date(timeIntervalSince1970: 1_764_028_800))!
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let status = try base.status(day: formatter.string(from: date))
            let files = (status["files"] as? NSNumber)?.intValue ?? -1
            #expect(files <= filesPerDay, "\(formatter.string(from: date)) holds \(files) files")
            if files > 0 { days += 1 }
            bundles.formUnion(status["bundles"] as? [String] ?? [])
        }
        #expect(bundles.count == 20)
        #expect(days >= 2)
        for out in outs {
            #expect(try KoopackBinary.run(["verify", out]).status == 0)
        }
    }
}
