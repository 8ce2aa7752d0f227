import Findings
import Testing

@Suite struct FindingTests {
    @Test func aFindingTakesItsSeverityNameAndRemedyFromTheCatalogue() {
        let finding = Finding(.sshHostKeysLeft, message: "host keys", evidence: [("file", "/etc/ssh/ssh_host_rsa_key")])
        #expect(finding.severity == .warning)
        #expect(finding.ruleName == "ssh-host-keys-left")
        #expect(finding.remedy == "Delete them; they are regenerated at first boot.")
        #expect(finding.evidence("file") == "/etc/ssh/ssh_host_rsa_key")
        #expect(finding.description == "KG405 ssh-host-keys-left (warning): host keys")
    }

    @Test func reportOrderIsMostSevereFirstThenByIDAndKeepsARulesOwnOrder() {
        let findings = [
            Finding(.regionNotAllowed, message: "second region", evidence: [("region", "b")]),
            Finding(.releaseLocksImage, message: "note"),
            Finding(.regionNotAllowed, message: "first region", evidence: [("region", "a")]),
            Finding(.packageNearLimit, message: "warning"),
            Finding(.fullECSImage, message: "error"),
        ]
        let ordered = findings.inReportOrder()
        #expect(ordered.map(\.ruleID.rawValue) == ["KG101", "KG110", "KG110", "KG109", "KG117"])
        #expect(ordered.filter { $0.ruleID == .regionNotAllowed }.map(\.message) == ["second region", "first region"])
    }

    @Test func numbersAreGroupedInThrees() {
        #expect(NumberText.grouped(0) == "0")
        #expect(NumberText.grouped(999) == "999")
        #expect(NumberText.grouped(1000) == "1,000")
        #expect(NumberText.grouped(137_438_953_473) == "137,438,953,473")
        #expect(NumberText.grouped(UInt64.max) == "18,446,744,073,709,551,615")
        #expect(NumberText.bytes(1) == "1 byte")
        #expect(NumberText.bytes(10_000_000_001) == "10,000,000,001 bytes")
    }
}
