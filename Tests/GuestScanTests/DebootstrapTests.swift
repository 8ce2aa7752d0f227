import Foundation
import Testing
import DiskImage
import Findings
@testable import GuestScan

/// A real Debian system made by debootstrap (`--variant=minbase`, about a minute and 200 MiB from
/// the mirror the machine's apt is set up with, as root). It runs wherever it can: as root, with
/// debootstrap installed (the Makefile installs it) and the mirror answering; elsewhere it is
/// skipped with that message. `KOOPACK_DEBOOTSTRAP=0` skips it on purpose;
/// `KOOPACK_DEBOOTSTRAP_ROOT=/path` reuses a tree debootstrap already made.
@Suite struct DebootstrapTests {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled = environment["KOOPACK_DEBOOTSTRAP_ROOT"] != nil
        || (environment["KOOPACK_DEBOOTSTRAP"] != "0" && Tool.exists("debootstrap") && getuid() == 0
            && mirrorAnswers)

    /// Whether the Debian mirror apt is set up with serves a package: apt names the URL of
    /// base-files, and curl asks for its headers.
    static let mirrorAnswers: Bool = {
        guard Tool.exists("apt-get", "curl"),
              let line = try? Tool.run("apt-get", ["-qq", "--print-uris", "download", "base-files"]),
              let url = line.split(separator: "'").first(where: { $0.hasPrefix("http") }) else { return false }
        return (try? Tool.run("curl", ["-fsI", "--max-time", "15", String(url)])) != nil
    }()

    @Test(.enabled(if: enabled && Tool.exists("mkfs.ext4", "sfdisk", "qemu-img", "dpkg-query", "debugfs"),
                   "needs root, debootstrap and a Debian mirror that answers (or KOOPACK_DEBOOTSTRAP_ROOT)"))
    func aDebootstrappedDebianIsScannedAndItsSBOMMatchesDpkgQuery() throws {
        let scratch = try Scratch()
        let root: String
        if let given = Self.environment["KOOPACK_DEBOOTSTRAP_ROOT"] {
            root = given
        } else {
            root = scratch.file("debian")
            try Tool.run("debootstrap", ["--variant=minbase", "bookworm", root])
        }
        let fs = scratch.file("root.ext4")
        try Tool.run("mkfs.ext4", ["-q", "-F", "-d", root, fs, "600M"])
        let raw = try GuestDisks.mbr(root: fs, in: scratch)
        let image = try GuestDisks.convert(raw, to: "qcow2", in: scratch)
        let report = try GuestScanner.scan(imageAt: image, metadata: try metadata([("__platform", "Debian"), ("__os_version", "Debian 12.0 64bit")]),
                                           includePackages: true)
        #expect(report.os?.id == "debian")
        #expect(report.os?.versionID == "12")
        // A fresh minbase system: root locked, no keys, no history, but no cloud-init either;
        // no credential, pinned NIC, missing boot device, end of life or service key (KG411–KG416).
        #expect(report.ruleIDs.contains("KG407"), "\(report.findings)")
        #expect(report.findings.filter { $0.ruleID >= .cloudCredentialsLeft && $0.ruleID <= .privateKeyInSystem }.isEmpty,
                "\(report.findings)")
        #expect(!report.ruleIDs.contains { $0 < "KG407" || ($0 > "KG407" && $0 < "KG411") }, "\(report.findings)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        let expected = try GuestTrees.dpkgQueryInstalled(admindir: root + "/var/lib/dpkg")
        let got = (report.packages?.packages ?? []).map { "\($0.name) \($0.fullVersion) \($0.architecture ?? "")" }
        #expect(got.sorted() == expected.sorted())
        #expect(got.count > 80)

        // The same system with an SK written into root's KooCLI config: KG411 names it.
        let config = scratch.file("config.json")
        try Data("{\"profiles\": [{\"name\": \"default\", \"secretAccessKey\": \"\(RuleTrees.secrets[0])\"}]}\n".utf8)
            .write(to: URL(fileURLWithPath: config))
        try Tool.run("debugfs", ["-w", "-R", "mkdir /root/.hcloud", fs])
        try Tool.run("debugfs", ["-w", "-R", "write \(config) /root/.hcloud/config.json", fs])
        let keyed = try GuestScanner.scan(imageAt: try GuestDisks.mbr(root: fs, in: scratch, name: "keyed.raw"), metadata: nil)
        #expect(keyed.findings("KG411").map { $0.evidence("file") } == ["/root/.hcloud/config.json"])
    }
}
