import Foundation
import Testing

/// The image packages of `testdata/packages`: each folder's sidecar, `make.sh` and hand-worked
/// `expected.json`.
enum Packages {
    /// The seller's project ID the packages' README fixes (`--owner`).
    static let owner = "0a8f3c1d6e2b4f7a9c5d8e1b3a6f4c2d"
    /// The region the packages' sidecars name.
    static let region = "ap-southeast-3"

    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/packages").path

    /// Every package folder's name.
    static let all: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { name in
            FileManager.default.fileExists(atPath: root + "/" + name + "/expected.json")
        }.sorted()
    }()

    /// Whether the tools the packages' make.sh scripts call are installed.
    static let toolsAvailable: Bool = ["/usr/bin/qemu-img", "/usr/sbin/sfdisk", "/usr/sbin/mkfs.ext4",
                                       "/usr/sbin/mkfs.vfat", "/usr/bin/xorriso"]
        .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

    /// The hand-worked truth of one package.
    struct Expected: Decodable {
        let image: String
        let verdict: String
        let errors: [String]
        let warnings: [String]
        let notes: [String]
        let kind: String
        let provenance: String
        /// Options the package is checked with besides `--owner` (e.g. `--site eu`).
        let arguments: [String]?
        /// Words each named rule's remedy must contain (KG103's two remedies).
        let remedies: [String: String]?
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/" + name + "/expected.json")))
    }

    /// Copies package `name`'s metadata into `folder` and runs its make.sh there, which writes
    /// the image. Returns the image's path.
    @discardableResult
    static func make(_ name: String, in folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = root + "/" + name
        for file in try FileManager.default.contentsOfDirectory(atPath: source)
        where file.hasSuffix(".json") && file != "expected.json" {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: folder + "/" + file)
        }
        try Tool.run("/bin/sh", [source + "/make.sh", folder])
        return folder + "/" + (try expected(name).image)
    }
}

/// One image's report, reduced to what the expectations name.
struct CheckReport {
    let image: String
    let verdict: String
    let errors: Set<String>
    let warnings: Set<String>
    let notes: Set<String>
    let kind: String
    let provenance: String
    let region: String?
    let inputWarnings: [String]
    let inspect: [String: Any]
    /// Each rule's remedy, as the report gives it.
    let remedies: [String: String]

    init(_ object: [String: Any]) throws {
        image = try #require(object["image"] as? String)
        verdict = try #require(object["verdict"] as? String)
        let findings = try #require(object["findings"] as? [[String: Any]])
        func rules(_ severity: String) -> Set<String> {
            Set(findings.filter { $0["severity"] as? String == severity }.compactMap { $0["rule"] as? String })
        }
        errors = rules("error")
        warnings = rules("warning")
        notes = rules("note")
        var remedies: [String: String] = [:]
        for finding in findings {
            if let rule = finding["rule"] as? String, let remedy = finding["remedy"] as? String { remedies[rule] = remedy }
        }
        self.remedies = remedies
        let classification = try #require(object["classification"] as? [String: Any])
        kind = try #require(classification["kind"] as? String)
        provenance = try #require(classification["provenance"] as? String)
        region = classification["region"] as? String
        inputWarnings = object["warnings"] as? [String] ?? []
        inspect = object["inspect"] as? [String: Any] ?? [:]
    }

    /// The findings as `rule/severity` pairs, to compare two reports.
    var findingSet: Set<String> {
        Set(errors.map { "\($0)/error" } + warnings.map { "\($0)/warning" } + notes.map { "\($0)/note" })
    }
}

/// Runs `koopack check --format json --no-scan` and returns the exit status and the reports.
/// The packages pin down the release rules (KG1xx); the security scan has its own tests.
func checkJSON(_ arguments: [String]) throws -> (status: Int32, reports: [CheckReport], stderr: String) {
    let run = try KoopackBinary.run(["check", "--format", "json", "--no-scan"] + arguments)
    let reports = try parseReports(run.stdout).map(CheckReport.init)
    return (run.status, reports, run.stderr)
}

@Suite("koopack check over the image packages", .enabled(if: Packages.toolsAvailable, "qemu-img, sfdisk, mkfs or xorriso is missing"))
struct CheckCommandTests {
    @Test("every package gets its hand-worked verdict, findings, kind and provenance", arguments: Packages.all)
    func eachPackageGetsItsHandWorkedVerdict(_ name: String) throws {
        let scratch = try Scratch()
        let folder = scratch.file(name)
        try Packages.make(name, in: folder)
        let expected = try Packages.expected(name)

        let extra = expected.arguments ?? []
        let (status, reports, stderr) = try checkJSON(extra + ["--owner", Packages.owner, folder])
        #expect(stderr.isEmpty, "\(name): \(stderr)")
        let report = try #require(reports.count == 1 ? reports.first : nil, "\(name): one image expected, got \(reports.count)")
        for (rule, words) in expected.remedies ?? [:] {
            #expect(report.remedies[rule]?.contains(words) == true, "\(name): \(rule)'s remedy says \(words)")
        }
        #expect(report.image == folder + "/" + expected.image)
        #expect(report.verdict == expected.verdict, "\(name)")
        #expect(report.errors == Set(expected.errors), "\(name)")
        #expect(report.warnings == Set(expected.warnings), "\(name)")
        #expect(report.notes == Set(expected.notes), "\(name)")
        #expect(report.kind == expected.kind, "\(name)")
        #expect(report.provenance == expected.provenance, "\(name)")
        #expect(status == (expected.verdict == "not eligible" ? 1 : 0), "\(name)")

        let text = try KoopackBinary.run(["check"] + extra + ["--owner", Packages.owner, folder], environment: ["NO_COLOR": "1"])
        #expect(text.status == status)
        #expect(text.stdout.contains(": \(expected.verdict)\n"), "\(name): \(text.stdout)")
        for rule in expected.errors + expected.warnings + expected.notes {
            #expect(text.stdout.contains(" \(rule) "), "\(name): text names \(rule)")
        }
    }

    @Test("--strict fails the warning-only package")
    func strictTurnsWarningsIntoFailure() throws {
        let scratch = try Scratch()
        let folder = scratch.file("no-region")
        try Packages.make("no-region", in: folder)
        let lenient = try checkJSON(["--owner", Packages.owner, folder])
        #expect(lenient.status == 0)
        #expect(lenient.reports.first?.verdict == "eligible with warnings")
        let strict = try checkJSON(["--strict", "--owner", Packages.owner, folder])
        #expect(strict.status == 1)
        #expect(strict.reports.first?.verdict == "not eligible")
        #expect(strict.reports.first?.warnings == ["KG111"])
    }

    @Test("SARIF output parses and names every KG1xx rule in its driver")
    func sarifNamesEveryRule() throws {
        let scratch = try Scratch()
        let folder = scratch.file("min-disk")
        try Packages.make("min-disk", in: folder)
        let run = try KoopackBinary.run(["check", "--format", "sarif", "--no-scan", "--owner", Packages.owner, folder])
        #expect(run.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let runs = try #require(log["runs"] as? [[String: Any]])
        let driver = try #require((runs.first?["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let ruleIDs = Set(try #require(driver["rules"] as? [[String: Any]]).compactMap { $0["id"] as? String })
        for number in 101...121 { #expect(ruleIDs.contains("KG\(number)"), "KG\(number) missing from the driver") }
        let results = try #require(runs.first?["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["ruleId"] as? String } == ["KG116"])
    }

    @Test("--region given by console name or ID clears KG111", arguments: ["AP-Singapore", "ap-southeast-3"])
    func regionOnTheCommandLine(_ region: String) throws {
        let scratch = try Scratch()
        let folder = scratch.file("no-region")
        try Packages.make("no-region", in: folder)
        let (status, reports, _) = try checkJSON(["--region", region, "--owner", Packages.owner, folder])
        #expect(status == 0)
        let report = try #require(reports.first)
        #expect(report.verdict == "eligible")
        #expect(report.warnings.isEmpty)
        #expect(report.region == "ap-southeast-3")
    }

    @Test("--released-list naming the image's ID fires KG105")
    func releasedListFiresKG105() throws {
        let scratch = try Scratch()
        let folder = scratch.file("eligible")
        try Packages.make("eligible", in: folder)
        let list = try scratch.write("released.txt", Array("# released so far\n\n5b3d7c9e-2f41-4a8b-9c6d-1e7f3a5b8d20  # web-server\n".utf8))
        let (status, reports, _) = try checkJSON(["--released-list", list, "--owner", Packages.owner, folder])
        #expect(status == 1)
        let report = try #require(reports.first)
        #expect(report.errors == ["KG105"])
        #expect(report.provenance == "released")
    }

    @Test("a --policy profile's allowed-regions decides KG110")
    func policyProfileOverridesAllowedRegions() throws {
        let scratch = try Scratch()
        try Packages.make("wrong-region", in: scratch.file("wrong-region"))
        try Packages.make("eligible", in: scratch.file("eligible"))
        let policy = try scratch.write("beijing.yaml", Array("allowed-regions: [cn-north-4]\n".utf8))
        let (status, reports, _) = try checkJSON(["--policy", policy, "--owner", Packages.owner,
                                                  scratch.file("wrong-region"), scratch.file("eligible")])
        #expect(status == 1)
        #expect(reports.count == 2)
        #expect(reports.first?.errors == [])
        #expect(reports.first?.verdict == "eligible")
        #expect(reports.last?.errors == ["KG110"])

        let bad = try scratch.write("bad.yaml", Array("allowed-regions: cn-north-4\n".utf8))
        let refused = try KoopackBinary.run(["check", "--policy", bad, scratch.file("eligible")])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(bad) && refused.stderr.contains("allowed-regions"))
    }

    @Test("--metadata with an IMS list response and --image-id picks that image")
    func metadataListAndImageID() throws {
        let scratch = try Scratch()
        let folder = scratch.file("image")
        let image = try Packages.make("eligible", in: folder)
        try FileManager.default.removeItem(atPath: image + ".json")
        func object(_ package: String, _ sidecar: String) throws -> Any {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Packages.root + "/" + package + "/" + sidecar)))
        }
        let list: [String: Any] = ["images": [try object("not-active", "app-saving.qcow2.json"),
                                              try object("eligible", "web-server.qcow2.json"),
                                              try object("market-derived", "crm-resell.qcow2.json")]]
        let listFile = scratch.file("images.json")
        try JSONSerialization.data(withJSONObject: list).write(to: URL(fileURLWithPath: listFile))

        let saving = try checkJSON(["--metadata", listFile, "--image-id", "7c8e0a2c-a4b6-4d45-9bc2-4d6e8f0a2b3b",
                                    "--owner", Packages.owner, image])
        #expect(saving.status == 1)
        #expect(saving.reports.first?.errors == ["KG118"])

        let market = try checkJSON(["--metadata", listFile, "--image-id", "c7e9fb1d-5f7b-4e9a-8c1d-3e5f7a9b1c80",
                                    "--owner", Packages.owner, image])
        #expect(market.reports.first?.errors == ["KG106"])

        // Without --image-id the list is matched by the image file's name (web-server).
        let byName = try checkJSON(["--metadata", listFile, "--owner", Packages.owner, image])
        #expect(byName.status == 0)
        #expect(byName.reports.first?.verdict == "eligible")
        #expect(byName.reports.first?.region == Packages.region)
    }

    @Test("a sidecar key of the wrong type is exit 2 with one line naming the file and the key")
    func wrongTypeInSidecar() throws {
        let scratch = try Scratch()
        let folder = scratch.file("eligible")
        let image = try Packages.make("eligible", in: folder)
        let sidecar = image + ".json"
        let text = try String(contentsOfFile: sidecar, encoding: .utf8)
            .replacingOccurrences(of: "\"min_disk\": 40", with: "\"min_disk\": \"forty\"")
        try text.write(toFile: sidecar, atomically: true, encoding: .utf8)
        let run = try KoopackBinary.run(["check", "--owner", Packages.owner, image])
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(lines.first?.contains(sidecar) == true)
        #expect(lines.first?.contains("min_disk") == true)
        #expect(lines.first?.contains("forty") == true)
    }

    @Test("a missing file is exit 2 and the other images are still judged")
    func missingFileDoesNotStopTheOthers() throws {
        let scratch = try Scratch()
        let folder = scratch.file("eligible")
        try Packages.make("eligible", in: folder)
        let missing = scratch.file("gone.qcow2")
        let (status, reports, stderr) = try checkJSON(["--owner", Packages.owner, missing, folder])
        #expect(status == 2)
        #expect(reports.count == 1)
        #expect(reports.first?.verdict == "eligible")
        #expect(stderr.contains(missing))
    }

    @Test("one image's damaged sidecar in a folder does not hide the folder's other images")
    func damagedSidecarInAFolder() throws {
        let scratch = try Scratch()
        let folder = scratch.file("two")
        try Packages.make("eligible", in: folder)
        try Packages.make("min-disk", in: folder)
        try Array("{\"min_disk\": \"forty\"}".utf8).withUnsafeBufferPointer {
            try Data(buffer: $0).write(to: URL(fileURLWithPath: folder + "/app-60g.qcow2.json"))
        }
        let (status, reports, stderr) = try checkJSON(["--owner", Packages.owner, folder])
        #expect(status == 2)
        #expect(reports.map(\.image) == [folder + "/web-server.qcow2"])
        #expect(stderr.contains("app-60g.qcow2.json") && stderr.contains("min_disk"))
    }
}

@Suite("koopack check reads images inside archives", .enabled(if: Packages.toolsAvailable, "qemu-img, sfdisk, mkfs or xorriso is missing"))
struct CheckArchiveTests {
    /// The eligible package made in `scratch/loose`, with `metadata.json` and `web-server.json`
    /// copies of its sidecar beside it for packing.
    func eligiblePackage(_ scratch: Scratch) throws -> (folder: String, report: CheckReport) {
        let folder = scratch.file("loose")
        let image = try Packages.make("eligible", in: folder)
        let loose = try checkJSON(["--owner", Packages.owner, folder])
        try FileManager.default.createDirectory(atPath: scratch.file("pack"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: image, toPath: scratch.file("pack/web-server.qcow2"))
        try FileManager.default.copyItem(atPath: image + ".json", toPath: scratch.file("pack/metadata.json"))
        try FileManager.default.copyItem(atPath: image + ".json", toPath: scratch.file("pack/web-server.json"))
        return (folder, try #require(loose.reports.first))
    }

    enum Packing: String, CaseIterable {
        case tarGzipWithMetadataJSON, zipWithNameJSON, tarZstdWithMetadataJSON

        var archiveName: String {
            switch self {
            case .tarGzipWithMetadataJSON: return "web-server.tar.gz"
            case .zipWithNameJSON: return "web-server.zip"
            case .tarZstdWithMetadataJSON: return "web-server.tar.zst"
            }
        }
        var metadataMember: String { self == .zipWithNameJSON ? "web-server.json" : "metadata.json" }

        func pack(in folder: String, to archive: String) throws {
            switch self {
            case .tarGzipWithMetadataJSON:
                try Tool.run("/usr/bin/tar", ["-czf", archive, "web-server.qcow2", metadataMember], in: folder)
            case .zipWithNameJSON:
                try Tool.run("/usr/bin/zip", ["-q", archive, "web-server.qcow2", metadataMember], in: folder)
            case .tarZstdWithMetadataJSON:
                try Tool.run("/usr/bin/tar", ["--zstd", "-cf", archive, "web-server.qcow2", metadataMember], in: folder)
            }
        }
    }

    @Test("an archive of the eligible image and its metadata gives the loose files' verdict, with the guest read",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zip")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")),
          arguments: Packing.allCases)
    func archiveAgreesWithLooseFiles(_ packing: Packing) throws {
        let scratch = try Scratch()
        let (_, loose) = try eligiblePackage(scratch)
        let archive = scratch.file(packing.archiveName)
        try packing.pack(in: scratch.file("pack"), to: archive)

        let (status, reports, stderr) = try checkJSON(["--owner", Packages.owner, archive])
        #expect(stderr.isEmpty, "\(stderr)")
        #expect(status == 0)
        let report = try #require(reports.count == 1 ? reports.first : nil)
        #expect(report.image == archive + ":web-server.qcow2")
        #expect(report.verdict == loose.verdict)
        #expect(report.findingSet == loose.findingSet)
        #expect(report.kind == loose.kind && report.provenance == loose.provenance && report.region == loose.region)
        // The compressed qcow2 is a few MiB: its L1, L2 tables and data clusters sit in the kept
        // head, so the guest's partitions are read from the stream as from the file.
        let guest = try #require(report.inspect["guest"] as? [String: Any], "guest not read: \(report.inspect["warnings"] ?? "")")
        let looseGuest = try #require(loose.inspect["guest"] as? [String: Any])
        #expect(guest["partition-table"] as? String == "gpt")
        #expect(guest["boot"] as? String == looseGuest["boot"] as? String)
        #expect((guest["partitions"] as? [[String: Any]])?.compactMap { $0["filesystem"] as? String } == ["vfat", "ext4"])
        #expect(report.inspect["virtual-size"] as? Int == loose.inspect["virtual-size"] as? Int)
    }

    @Test("a guest the archive stream did not keep gives no guest rule, only a note")
    func unreadGuestGivesNoKG102() throws {
        let scratch = try Scratch()
        let folder = scratch.file("raw")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A 256 MiB raw system disk: its root filesystem starts 101 MiB in, past the kept head.
        try Tool.run("/bin/sh", ["-c", ". \"$0/lib/disk.sh\" && raw_system_disk web-server.raw 268435456", Packages.root], in: folder)
        let sidecar = try String(contentsOfFile: Packages.root + "/eligible/web-server.qcow2.json", encoding: .utf8)
            .replacingOccurrences(of: "\"disk_format\": \"qcow2\"", with: "\"disk_format\": \"raw\"")
        try sidecar.write(toFile: folder + "/metadata.json", atomically: true, encoding: .utf8)
        let archive = scratch.file("raw.tar.gz")
        try Tool.run("/usr/bin/tar", ["-S", "-czf", archive, "web-server.raw", "metadata.json"], in: folder)

        let (status, reports, _) = try checkJSON(["--owner", Packages.owner, archive])
        #expect(status == 0)
        let report = try #require(reports.first)
        #expect(report.errors.isEmpty, "no KG102 or KG115 on a guest that was not read: \(report.errors)")
        #expect(report.notes == ["KG117"])
        #expect(report.inspect["guest"] == nil)
        let warnings = report.inspect["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("guest disk not read inside the archive") })

        let text = try KoopackBinary.run(["check", "--owner", Packages.owner, archive], environment: ["NO_COLOR": "1"])
        #expect(text.stdout.contains("note    guest disk not read inside the archive"))
    }

    @Test("an OVA's second disk is a data disk, which makes the first a full-ECS image (KG101)")
    func ovaSecondDiskIsADataDisk() throws {
        let scratch = try Scratch()
        let folder = scratch.file("ova")
        let image = try Packages.make("eligible", in: folder)
        try QemuImg.run(["convert", "-O", "vmdk", "-o", "subformat=streamOptimized", image, folder + "/app-disk1.vmdk"])
        try QemuImg.run(["create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized", folder + "/app-disk2.vmdk", "10G"])
        try #"<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"/>"#
            .write(toFile: folder + "/app.ovf", atomically: true, encoding: .utf8)
        let archive = scratch.file("app.ova")
        try Tool.run("/usr/bin/tar", ["-cf", archive, "app.ovf", "app-disk1.vmdk", "app-disk2.vmdk"], in: folder)

        let (status, reports, _) = try checkJSON(["--region", Packages.region, "--owner", Packages.owner, archive])
        #expect(status == 1)
        #expect(reports.map(\.image) == [archive + ":app-disk1.vmdk", archive + ":app-disk2.vmdk"])
        let system = try #require(reports.first)
        #expect(system.errors.contains("KG101"))
        #expect(system.kind == "full-ecs")
        #expect(system.inspect["format"] as? String == "vmdk")
    }

    @Test("a member named ../../x is reported and never written anywhere")
    func hostileMemberIsReportedNotWritten() throws {
        let scratch = try Scratch()
        _ = try eligiblePackage(scratch)
        let deep = scratch.file("a/b")
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let archive = deep + "/hostile.tar.gz"
        let script = """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w:gz") as t:
                t.add("web-server.qcow2"); t.add("metadata.json")
                for name in ("../../x", "/x"):
                    data = b"not for disk\\n"
                    info = tarfile.TarInfo(name); info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
            """
        try Tool.run("/usr/bin/env", ["python3", "-c", script, archive], in: scratch.file("pack"))
        let cwd = FileManager.default.currentDirectoryPath
        let before = FileManager.default.fileExists(atPath: "/x")

        let koopack = KoopackBinary.path
        let run = try Tool.run("/bin/sh", ["-c", "cd \"$0\" && \"$1\" check --format json --owner \"$2\" hostile.tar.gz; echo \"status=$?\"",
                                            deep, koopack, Packages.owner])
        let json = String(run[..<(run.range(of: "status=")?.lowerBound ?? run.endIndex)])
        #expect(run.hasSuffix("status=0\n"))
        let report = try #require(try parseReports(json).map(CheckReport.init).first)
        #expect(report.verdict == "eligible")
        #expect(report.inputWarnings.contains { $0.contains("../../x") && $0.contains("not extracted") })
        #expect(report.inputWarnings.contains { $0.contains("member /x ") })

        let text = try Tool.run("/bin/sh", ["-c", "cd \"$0\" && NO_COLOR=1 \"$1\" check hostile.tar.gz || true", deep, koopack])
        #expect(text.contains("warning member ../../x points outside the archive's folder"))

        for place in [deep, scratch.file("a"), scratch.path, cwd, (cwd as NSString).deletingLastPathComponent] {
            #expect(!FileManager.default.fileExists(atPath: place + "/x"), "x appeared in \(place)")
        }
        #expect(FileManager.default.fileExists(atPath: "/x") == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: deep) == ["hostile.tar.gz"])
    }
}

/// `check` runs KooGallery's security scan on the guest's root filesystem too.
@Suite(.enabled(if: QemuImg.available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4"), "needs qemu-img and mkfs.ext4"))
struct CheckRunsTheScanTests {
    @Test func aPresetPasswordInTheGuestFailsCheckAndNoScanSkipsTheScan() throws {
        let scratch = try Scratch()
        let image = try GuestRootImage.make(GuestRootImage.ubuntuWithPresetPassword, in: scratch)
        let scanned = try KoopackBinary.run(["check", "--format", "json", "--region", "ap-southeast-3", image])
        #expect(scanned.status == 1, "\(scanned.stderr)")
        let findings = (try parseReports(scanned.stdout).first?["findings"] as? [[String: Any]]) ?? []
        let rules = findings.compactMap { $0["rule"] as? String }
        #expect(rules.contains("KG401"))
        #expect(!scanned.stdout.contains("$6$saltsalt"), "the hash must never be printed")

        let skipped = try KoopackBinary.run(["check", "--format", "json", "--no-scan", "--region", "ap-southeast-3", image])
        let skippedRules = ((try parseReports(skipped.stdout).first?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["rule"] as? String }
        #expect(!skippedRules.contains { $0.hasPrefix("KG4") })
    }
}
