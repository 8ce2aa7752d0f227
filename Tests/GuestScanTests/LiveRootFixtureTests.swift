import Foundation
import Testing
import DiskImage
import Findings
import GuestScan
import KoopackTestSupport

/// `scan --root` against the scan of an image: every guest tree the scan's tests are built from
/// (the clean and the dirty guest, the case of every KG411–KG417 rule and their near misses),
/// written to a folder and scanned as a live root, gives the findings the ext4 image that
/// `mkfs.ext4 -d` makes of the same folder gives. The one difference is KG414's: a live root has
/// no image whose filesystem UUIDs and labels a reference could be missing from, so only bare
/// device names are judged there (DOMAIN.md: the image's own identities are the reference).
@Suite(.enabled(if: Tool.exists("mkfs.ext4"), "mkfs.ext4 is not installed"))
struct LiveRootFixtureTests {
    static func trees() throws -> [(name: String, tree: RootTree)] {
        [("clean guest", GuestTrees.clean()), ("dirty guest", GuestTrees.dirty()),
         ("a case of every KG411–KG417 rule", RuleTrees.dirty(wtmp: try RuleTrees.wtmp(RuleTrees.oneLogin)).tree),
         ("the rules' near misses", RuleTrees.nearMisses(emptyLastlog: [UInt8](repeating: 0, count: 292 * 1001)))]
    }

    /// A finding as both scans must give it: rule, severity, message and evidence.
    static func lines(_ report: ScanReport) -> [String] {
        report.findings.filter { $0.ruleID != .bootReferenceMissing || $0.severity == .warning }.map { finding in
            "\(finding.ruleID.rawValue) \(finding.severity) \(finding.message) "
                + finding.evidence.map { "\($0.0)=\($0.1)" }.joined(separator: ";")
        }.sorted()
    }

    @Test func everyScanFixtureScannedAsALiveRootFindsWhatItsImageFinds() throws {
        for (name, tree) in try Self.trees() {
            let scratch = try Scratch()
            let image = try tree.ext4(in: scratch, name: "root.ext4", megabytes: 48)
            let fromImage = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil)
            // The folder mkfs.ext4 read (`root.ext4.d`) is the live root: the same bytes.
            let fromRoot = try LiveRootScan.scan(directory: scratch.file("root.ext4.d"), metadata: nil, mountinfo: "")
            #expect(fromImage.scanned && fromRoot.scanned, "\(name)")
            #expect(!fromImage.findings.isEmpty || name.contains("clean") || name.contains("near"), "\(name): the image scan found nothing")
            #expect(Self.lines(fromRoot) == Self.lines(fromImage), "\(name)")
            print("\(name): \(Self.lines(fromImage).count) findings alike")
        }
    }

    /// Whether this process may mount a tmpfs (root, with the capability), tried once.
    static let canMount: Bool = {
        guard getuid() == 0, let scratch = try? Scratch() else { return false }
        let point = scratch.file("probe")
        try? FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        guard (try? Tool.run("mount", ["-t", "tmpfs", "tmpfs", point])) != nil else { return false }
        _ = try? Tool.run("umount", [point])
        return true
    }()

    @Test(.enabled(if: canMount, "needs root and the right to mount a tmpfs"))
    func aRealTmpfsMountedUnderTheRootIsNotDescendedInto() throws {
        let scratch = try Scratch()
        var tree = GuestTrees.clean()
        tree.file("/home/alice/.ssh/authorized_keys", GuestTrees.publicKey, mode: 0o600)
        tree.directory("/home/bob", mode: 0o755)
        let root = try tree.write(to: scratch.file("root"))
        try Tool.run("mount", ["-t", "tmpfs", "tmpfs", root + "/home/bob"])
        defer { _ = try? Tool.run("umount", [root + "/home/bob"]) }
        try FileManager.default.createDirectory(atPath: root + "/home/bob/.ssh", withIntermediateDirectories: true)
        try Data(GuestTrees.publicKey.utf8).write(to: URL(fileURLWithPath: root + "/home/bob/.ssh/authorized_keys"))
        // The host's own mount table, as `scan --root` reads it.
        let report = try LiveRootScan.scan(directory: root, metadata: nil)
        let keyFiles = report.findings.filter { $0.ruleID == .presetSSHKey }.compactMap { $0.evidence("file") }
        #expect(keyFiles.contains("/home/alice/.ssh/authorized_keys"), "\(report.findings)")
        #expect(!keyFiles.contains { $0.hasPrefix("/home/bob") }, "\(report.findings)")
        #expect(report.warnings.contains { $0.hasPrefix("/home/bob (tmpfs)") }, "\(report.warnings)")
    }
}
