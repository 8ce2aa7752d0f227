import Testing
import Findings
import ImagePackage
@testable import GuestScan

/// KG407 reads IMS's `__support_fc_inject` (DOMAIN.md: `"true"` means no Cloud-Init password
/// or key injection) as evidence beside what the guest's files show.
@Suite(.enabled(if: Tool.exists("mkfs.ext4"), "mkfs.ext4 is not installed"))
struct DomainCorrectionScanTests {
    @Test func aMissingCloudInitNamesSupportFCInjectWhenIMSSaysTheSame() throws {
        var tree = GuestTrees.clean()
        tree.remove("/usr/bin/cloud-init")
        tree.remove("/etc/cloud")
        let said = try #require(try scanTree(tree, metadata: try metadata([("__support_fc_inject", "true")])).findings("KG407").first)
        #expect(said.evidence("__support_fc_inject") == "true")
        #expect(said.evidence("/usr/bin/cloud-init") == "absent")
        let unsaid = try #require(try scanTree(tree, metadata: try metadata([("__support_fc_inject", "false")])).findings("KG407").first)
        #expect(unsaid.evidence("__support_fc_inject") == nil)
    }

    @Test func supportFCInjectAloneDoesNotFireKG407OnAGuestWithCloudInit() throws {
        let report = try scanTree(GuestTrees.clean(), metadata: try metadata([("__support_fc_inject", "true")]))
        #expect(report.findings("KG407").isEmpty)
    }
}
