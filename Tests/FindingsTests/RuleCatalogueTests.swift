import Findings
import Testing

/// The rule catalogue against DOMAIN.md's rule tables, copied from its tables: every ID, name and
/// severity word for word, and nothing else.
@Suite struct RuleCatalogueTests {
    /// DOMAIN.md's tables: ID, name, severity.
    static let domainTable: [(String, String, Severity)] = [
        ("KG101", "full-ecs-image", .error),
        ("KG102", "not-system-disk", .error),
        ("KG103", "shared-image", .error),
        ("KG104", "encrypted-image", .error),
        ("KG105", "released-image", .error),
        ("KG106", "market-derived", .error),
        ("KG107", "external-origin", .error),
        ("KG108", "package-too-large", .error),
        ("KG109", "package-near-limit", .warning),
        ("KG110", "region-not-allowed", .error),
        ("KG111", "region-unknown", .warning),
        ("KG112", "not-self-contained", .error),
        ("KG113", "format-not-accepted", .error),
        ("KG114", "header-damaged", .error),
        ("KG115", "firmware-mismatch", .error),
        ("KG116", "min-disk-too-small", .error),
        ("KG117", "release-locks-image", .note),
        ("KG118", "image-not-active", .error),
        ("KG119", "backup-origin", .error),
        ("KG120", "market-not-supported", .error),
        ("KG121", "disk-size-out-of-range", .error),
        ("KG122", "metadata-missing", .warning),
        ("KG123", "not-exportable", .note),
        ("KG201", "eula-unfilled", .error),
        ("KG202", "support-time-zone", .error),
        ("KG203", "support-contact", .error),
        ("KG204", "user-guide-incomplete", .warning),
        ("KG205", "certificate-missing", .error),
        ("KG206", "oss-notice-missing", .warning),
        ("KG207", "free-vcpu-pricing", .error),
        ("KG208", "product-text-missing", .error),
        ("KG209", "seo-missing", .note),
        ("KG210", "hidden-product", .note),
        ("KG301", "quota-files", .error),
        ("KG302", "quota-bytes", .error),
        ("KG303", "file-over-daily-quota", .error),
        ("KG401", "preset-password", .error),
        ("KG402", "empty-password", .error),
        ("KG403", "preset-ssh-key", .error),
        ("KG404", "private-key-left", .error),
        ("KG405", "ssh-host-keys-left", .warning),
        ("KG406", "shell-history-left", .warning),
        ("KG407", "cloud-init-missing", .warning),
        ("KG408", "cloud-init-state-left", .warning),
        ("KG409", "os-mismatch", .warning),
        ("KG410", "scan-not-done", .note),
        ("KG411", "cloud-credentials-left", .error),
        ("KG412", "machine-id-baked", .warning),
        ("KG413", "network-pinned", .warning),
        ("KG414", "boot-reference-missing", .error),
        ("KG415", "os-end-of-life", .warning),
        ("KG416", "private-key-in-system", .error),
        ("KG417", "logs-left", .warning),
    ]

    @Test func everyRuleOfTheDomainTablesIsInTheCatalogueWithItsNameAndSeverity() throws {
        #expect(RuleID.allCases.count == Self.domainTable.count)
        for (id, name, severity) in Self.domainTable {
            let rule = try #require(RuleID(rawValue: id), "\(id) is not a RuleID")
            #expect(rule.definition.name == name, "\(id)")
            #expect(rule.definition.severity == severity, "\(id)")
        }
    }

    @Test func everyRuleHasADefinitionUnderItsOwnIDWithTextToShow() {
        for id in RuleID.allCases {
            let definition = RuleCatalogue.definition(id)
            #expect(definition.id == id)
            #expect(!definition.summary.isEmpty && !definition.detail.isEmpty, "\(id)")
            #expect(definition.summary.hasSuffix(".") && definition.detail.hasSuffix("."), "\(id)")
        }
        #expect(RuleCatalogue.all.map(\.id) == RuleID.allCases)
        #expect(Set(RuleCatalogue.all.map(\.name)).count == RuleID.allCases.count)
    }

    @Test func theFamiliesFollowTheHundredsOfTheIDs() {
        #expect(RuleCatalogue.rules(of: .image).map(\.id.rawValue) == (101...123).map { "KG\($0)" })
        #expect(RuleCatalogue.rules(of: .document).map(\.id.rawValue) == (201...210).map { "KG\($0)" })
        #expect(RuleCatalogue.rules(of: .quota).map(\.id.rawValue) == (301...303).map { "KG\($0)" })
        #expect(RuleCatalogue.rules(of: .scan).map(\.id.rawValue) == (401...417).map { "KG\($0)" })
    }

    @Test func onlyTheRulesNothingFiresYetAreLeftOutOfTheEvaluatedList() {
        let notYet = Set<String>()
        #expect(Set(RuleCatalogue.notYetEvaluated.map(\.rawValue)) == notYet)
        #expect(RuleCatalogue.evaluated.map(\.id.rawValue) == RuleID.allCases.map(\.rawValue).filter { !notYet.contains($0) })
    }

    @Test func theNewRulesCarryTheDomainRemedies() {
        #expect(RuleID.metadataMissing.definition.remedy == "Give its metadata (a sidecar, or --cloud to ask IMS).")
        #expect(RuleID.cloudCredentialsLeft.definition.remedy == "Delete them; use an IAM agency on the ECS instead of keys.")
        #expect(RuleID.logsLeft.definition.remedy == "Clear them before making the image.")
    }
}
