import Testing
import DiskImage
import Findings
import ImagePackage
@testable import ReleasePolicy

@Suite struct EvaluationTests {
    @Test func aCleanPrivateSystemDiskImageGetsOnlyTheLockNote() throws {
        let findings = evaluate(try Cases.clean())
        #expect(findings.map(\.ruleID.rawValue) == ["KG117"])
        #expect(Verdict(findings: findings) == .eligible)
    }

    @Test func findingsComeMostSevereFirstThenByRuleID() throws {
        var imageCase = try Cases.clean(metadata: [("status", .string("saving")), ("__whole_image", .bool(true)),
                                                   ("region", nil)])
        imageCase.packageBytes = 128_000_000_001
        let findings = evaluate(imageCase)
        #expect(findings.map(\.ruleID.rawValue) == ["KG101", "KG118", "KG109", "KG111"])
        #expect(findings.map(\.severity) == [.error, .error, .warning, .warning])
    }

    @Test func aRuleWithSeveralFindingsKeepsTheirOrder() throws {
        var imageCase = try Cases.clean(metadata: [("region", .string("cn-north-4"))])
        imageCase.releaseFileRegions = ["AP-Singapore", "eu-west-0", "cn-east-3"]
        let regions = evaluate(imageCase).filter { $0.ruleID.rawValue == "KG110" }.compactMap { $0.evidence.first?.1 }
        #expect(regions == ["cn-north-4", "eu-west-0", "cn-east-3"])
    }

    @Test func aCaseWithNothingKnownIsUncheckedWithTheRegionWarning() {
        let findings = evaluate(ImageCase(fileName: "disk.img"))
        #expect(findings.map(\.ruleID.rawValue) == ["KG111", "KG122"])
        #expect(Verdict(findings: findings) == .unchecked)
    }

    @Test func verdictsFollowTheWorstSeverity() {
        let note = Finding(ruleID: .releaseLocksImage, severity: .note, message: "n")
        let warning = Finding(ruleID: .packageNearLimit, severity: .warning, message: "w")
        let error = Finding(ruleID: .fullECSImage, severity: .error, message: "e")
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
        let ids = RuleCatalogue.all.map(\.id.rawValue)
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
        #expect(RuleCatalogue.imageRules.map(\.id.rawValue) == (101...123).map { "KG\($0)" })
        #expect(RuleCatalogue.evaluated.count == 23 + 10 + 3 + 17)
        #expect(ids.count == 23 + 10 + 3 + 17)
        #expect(RuleID(rawValue: "KG302")?.definition.name == "quota-bytes")
        #expect(RuleID(rawValue: "KG999") == nil)
        let names = Set(RuleCatalogue.all.map(\.name))
        #expect(names.count == ids.count)
    }

    @Test func everyImageRuleHasTheSeverityTheDomainTableGives() {
        let warnings: Set<String> = ["KG109", "KG111", "KG122"]
        let notes: Set<String> = ["KG117", "KG123"]
        for rule in RuleCatalogue.imageRules {
            let expected: Severity = notes.contains(rule.id.rawValue) ? .note : warnings.contains(rule.id.rawValue) ? .warning : .error
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
