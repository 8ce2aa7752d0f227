import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct EvaluationTests {
    @Test func aCleanPrivateSystemDiskImageGetsOnlyTheLockNote() throws {
        let findings = evaluate(try Cases.clean())
        #expect(findings.map(\.ruleID) == ["KG117"])
        #expect(Verdict(findings: findings) == .eligible)
    }

    @Test func findingsComeMostSevereFirstThenByRuleID() throws {
        var imageCase = try Cases.clean(metadata: [("status", .string("saving")), ("__whole_image", .bool(true)),
                                                   ("region", nil)])
        imageCase.packageBytes = 128_000_000_001
        let findings = evaluate(imageCase)
        #expect(findings.map(\.ruleID) == ["KG101", "KG118", "KG109", "KG111"])
        #expect(findings.map(\.severity) == [.error, .error, .warning, .warning])
    }

    @Test func aRuleWithSeveralFindingsKeepsTheirOrder() throws {
        var imageCase = try Cases.clean(metadata: [("region", .string("cn-north-4"))])
        imageCase.releaseFileRegions = ["AP-Singapore", "eu-west-0", "cn-east-3"]
        let regions = evaluate(imageCase).filter { $0.ruleID == "KG110" }.compactMap { $0.evidence.first?.1 }
        #expect(regions == ["cn-north-4", "eu-west-0", "cn-east-3"])
    }

    @Test func aCaseWithNothingKnownFiresOnlyTheRegionWarningAndTheNote() {
        let findings = evaluate(ImageCase(fileName: "disk.img"))
        #expect(findings.map(\.ruleID) == ["KG111", "KG117"])
        #expect(Verdict(findings: findings) == .eligibleWithWarnings)
    }

    @Test func verdictsFollowTheWorstSeverity() {
        let note = Finding(ruleID: "KG117", ruleName: "release-locks-image", severity: .note, message: "n")
        let warning = Finding(ruleID: "KG109", ruleName: "package-near-limit", severity: .warning, message: "w")
        let error = Finding(ruleID: "KG101", ruleName: "full-ecs-image", severity: .error, message: "e")
        #expect(Verdict(findings: []) == .eligible)
        #expect(Verdict(findings: [note]) == .eligible)
        #expect(Verdict(findings: [note, warning]) == .eligibleWithWarnings)
        #expect(Verdict(findings: [note, warning], strict: true) == .notEligible)
        #expect(Verdict(findings: [note], strict: true) == .eligible)
        #expect(Verdict(findings: [warning, error]) == .notEligible)
        #expect(Verdict(findings: [error]).isEligible == false)
        #expect(Severity.error > .warning && Severity.warning > .note)
    }

    @Test func theCatalogueHoldsEveryRuleOnceInIDOrder() {
        let ids = RuleCatalogue.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
        #expect(RuleCatalogue.imageRules.map(\.id) == (101...121).map { "KG\($0)" })
        #expect(ids.count == 21 + 10 + 3 + 10)
        #expect(RuleCatalogue.definition("KG302")?.name == "quota-bytes")
        #expect(RuleCatalogue.definition("KG999") == nil)
        let names = Set(RuleCatalogue.all.map(\.name))
        #expect(names.count == ids.count)
    }

    @Test func everyImageRuleHasTheSeverityTheDomainTableGives() {
        let warnings: Set<String> = ["KG109", "KG111"]
        for rule in RuleCatalogue.imageRules {
            let expected: Severity = rule.id == "KG117" ? .note : warnings.contains(rule.id) ? .warning : .error
            #expect(rule.definition.severity == expected, "\(rule.id)")
            #expect(!rule.definition.summary.isEmpty && !rule.definition.detail.isEmpty)
        }
    }

    @Test func findingsTakeTheirRemedyFromTheCatalogue() throws {
        let finding = try #require(Rules.fullECSImage.finding(on: try Cases.clean(metadata: [("__whole_image", .bool(true))])))
        #expect(finding.remedy == "Make a system disk image from the ECS.")
        #expect(finding.ruleName == "full-ecs-image")
        #expect(finding.description.hasPrefix("KG101 full-ecs-image (error): "))
    }
}
