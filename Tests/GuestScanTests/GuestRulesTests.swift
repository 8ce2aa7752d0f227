import Foundation
import Testing
import DiskImage
import Findings
@testable import GuestScan

/// KG411–KG417 over real guest disks made at test time: each rule fires on its case with the
/// file, line and key; none fires on its near miss; no secret reaches a report.
@Suite(.enabled(if: Tool.exists("mkfs.ext4", "sfdisk", "blkid", "utmpdump"), "needs mkfs.ext4, sfdisk, blkid and utmpdump"))
struct GuestRulesTests {
    static let today = LifecycleDate(2026, 12, 5)

    /// The (rule, file, line, key) of each KG411–KG417 finding of `report`.
    static func newRuleFindings(_ report: ScanReport) -> [String] {
        report.findings.filter { $0.ruleID >= .cloudCredentialsLeft }.map { finding in
            var text = "\(finding.ruleID) \(finding.evidence("file") ?? "-") \(finding.evidence("line") ?? "")"
            if finding.ruleID != .osEndOfLife, finding.ruleID != .logsLeft, finding.ruleID != .machineIDBaked {
                text += " \(finding.evidence("key") ?? "-")"
            }
            return text
        }
    }

    static func expectedLines(_ expected: [(rule: String, file: String, line: String, key: String?)]) -> [String] {
        expected.map { "\($0.rule) \($0.file) \($0.line)" + ($0.key.map { " \($0)" } ?? "") }
    }

    @Test(arguments: ["ext4", "xfs"])
    func everyRuleFiresOnItsCaseNamingTheFileLineAndKey(_ filesystem: String) throws {
        guard filesystem == "ext4" || Tool.exists("mkfs.xfs") else { return }
        let scratch = try Scratch()
        let (tree, expected) = RuleTrees.dirty(wtmp: try RuleTrees.wtmp(RuleTrees.oneLogin))
        let root = filesystem == "ext4" ? try tree.ext4(in: scratch) : try tree.xfs(in: scratch)
        let disk = try RuleTrees.mbrDisk(root: root, in: scratch)
        let image = try GuestDisks.convert(disk, to: "qcow2", in: scratch)
        let report = try GuestScanner.scan(imageAt: image, metadata: nil, today: Self.today)
        #expect(report.rootFilesystem?.kind.rawValue == filesystem)
        #expect(Self.newRuleFindings(report).sorted() == Self.expectedLines(expected).sorted(), "\(report.findings)")
        // The missing UUIDs are errors; the bare /dev/sdb1 is a warning.
        let boot = report.findings(RuleID.bootReferenceMissing.rawValue)
        #expect(boot.filter { $0.severity == .error }.map { $0.evidence("device") ?? "" }.sorted()
                == ["UUID=0b1c2d3e-0000-4000-8000-00000000dead", "UUID=deadbeef-0000-4000-8000-000000000001"])
        #expect(boot.filter { $0.severity == .warning }.map { $0.evidence("device") } == ["/dev/sdb1"])
        #expect(report.findings(RuleID.osEndOfLife.rawValue).first?.evidence("end of life") == "2023-05-31")
        #expect(report.findings(RuleID.logsLeft.rawValue).first?.evidence("records") == "1")
        #expect(!report.ruleIDs.contains("KG410"), "a cleanly made \(filesystem) needs no note")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    @Test func everyNearMissPassesAndTheFstabUUIDsAreTheOnesBlkidReads() throws {
        let scratch = try Scratch()
        // A lastlog of 1001 empty entries (sparse, all zeros): no one has logged in.
        let tree = RuleTrees.nearMisses(emptyLastlog: [UInt8](repeating: 0, count: 292 * 1001))
        let root = try RuleTrees.ext4(tree, uuid: RuleTrees.rootUUID, in: scratch, name: "near.ext4")
        let disk = try RuleTrees.mbrDisk(root: root, in: scratch)
        // blkid on the raw disk is the truth that fstab and grub.cfg name this image's own volumes.
        #expect(try RuleTrees.blkid(disk, offset: 1 << 20, tag: "UUID") == RuleTrees.rootUUID)
        #expect(try RuleTrees.blkid(disk, tag: "PTUUID") == RuleTrees.diskSignature)
        let report = try GuestScanner.scan(imageAt: disk, metadata: nil, today: Self.today)
        #expect(report.scanned)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    @Test(arguments: [
        (RuleTrees.ubuntu1804, "Ubuntu 18.04", true),
        (RuleTrees.centos7, "CentOS Linux 7", true),
        (RuleTrees.debian12, "Debian bookworm", false),
    ])
    func endOfLifeIsJudgedOnTheInjectedDay(_ osRelease: String, _ name: String, _ ended: Bool) throws {
        var tree = GuestTrees.clean()
        tree.file("/etc/os-release", osRelease)
        let scratch = try Scratch()
        let image = try tree.ext4(in: scratch)
        let report = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil, today: Self.today)
        #expect(report.ruleIDs == (ended ? ["KG415"] : []), "\(name): \(report.findings)")
        // On a day before its end, the same release passes.
        let earlier = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil, today: LifecycleDate(2018, 1, 1))
        #expect(earlier.findings.isEmpty, "\(name): \(earlier.findings)")
    }

    @Test func noReportHoldsASecretValueAPasswordHashOrAPrivateKey() throws {
        let scratch = try Scratch()
        var (tree, _) = RuleTrees.dirty(wtmp: try RuleTrees.wtmp(RuleTrees.oneLogin))
        let dirty = GuestTrees.dirty()
        for path in ["/etc/shadow", "/etc/passwd", "/home/alice/.ssh/id_ed25519", "/etc/ssh/ssh_host_ed25519_key"] {
            tree.nodes[path] = dirty.nodes[path]
        }
        let image = try RuleTrees.mbrDisk(root: try tree.ext4(in: scratch), in: scratch)
        let report = try GuestScanner.scan(imageAt: image, metadata: nil, today: Self.today)
        #expect(report.ruleIDs.contains("KG401") && report.ruleIDs.contains("KG411") && report.ruleIDs.contains("KG416"))
        let text = report.findings.map { "\($0) \($0.evidence) \($0.remedy ?? "")" }.joined(separator: "\n")
            + "\(report.warnings) \(report.mounted)"
        for secret in RuleTrees.secrets + ["yj/VLDgMjQCnRrAPBPKh5HRcgRfPSij0FYWRBJPofYcg", "b3BlbnNzaC1rZXktdjEAAAAA"] {
            #expect(!text.contains(secret), "a report holds \(secret)")
        }
    }

    @Test(.enabled(if: Tool.exists("lastlog"), "needs shadow's lastlog"))
    func lastlogEntriesAuthLogsAndThePersistentJournalAreLogsLeft() throws {
        let scratch = try Scratch()
        // shadow's own lastlog writes alice's last login into the tree's /var/log/lastlog.
        let chroot = scratch.file("chroot")
        try scratch.write("chroot/etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n")
        try scratch.write("chroot/var/log/lastlog", "")
        try Tool.run("lastlog", ["-R", chroot, "-S", "-u", "alice"])
        #expect(try Tool.run("lastlog", ["-R", chroot, "-u", "alice"]).contains("lastlog"))
        var tree = GuestTrees.clean()
        tree.file("/etc/os-release", RuleTrees.debian12)
        tree.file("/var/log/lastlog", bytes: try scratch.bytes("chroot/var/log/lastlog"))
        tree.file("/var/log/auth.log", "Dec  1 10:00:00 web sshd[1234]: Accepted publickey for root from 203.0.113.5\n")
        tree.file("/var/log/secure", "")
        tree.file("/var/log/btmp", "")
        tree.file("/var/log/journal/0123456789abcdef0123456789abcdef/system.journal", bytes: Array("LPKSHHRH".utf8) + [UInt8](repeating: 0, count: 4088))
        tree.directory("/var/log/journal/fedcba9876543210fedcba9876543210")
        let image = try tree.ext4(in: scratch)
        let report = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil, today: Self.today)
        let logs = report.findings(RuleID.logsLeft.rawValue)
        #expect(logs.map { $0.evidence("file") ?? "" }.sorted() == ["/var/log/auth.log", "/var/log/journal", "/var/log/lastlog"], "\(report.findings)")
        #expect(logs.first { $0.evidence("file") == "/var/log/lastlog" }?.evidence("records") == "1")
        #expect(logs.first { $0.evidence("file") == "/var/log/journal" }?.evidence("files") == "1")
        #expect(report.ruleIDs == ["KG417", "KG417", "KG417"], "\(report.findings)")
    }
}
