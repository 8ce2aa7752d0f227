import Foundation
import Testing
import Findings
@testable import koopack

/// `check`, `audit` and SARIF after DOMAIN.md's corrections: `--site` and `--policy` for audit,
/// `__lazyloading` in the report, KG122's unchecked verdict in SARIF.
@Suite struct DomainCorrectionCheckTests {
    /// The fixture account's releasable images, by region, as its script declares them.
    static func releasable() throws -> (owner: String, ids: [String: String]) {
        let (owner, states) = try AuditCommandTests.expectedStates()
        let data = try Data(contentsOf: URL(fileURLWithPath: AuditCommandTests.folder + "/expected-audit.json"))
        let images = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["images"] as? [String: [String: Any]])
        var ids: [String: String] = [:]
        for (id, state) in states where state == "releasable" { ids[id] = images[id]?["region"] as? String }
        return (owner, ids)
    }

    func auditStates(_ extra: [String]) throws -> [String: String] {
        let (owner, _) = try Self.releasable()
        let run = try KoopackBinary.run(["audit", "--format", "json", "--owner", owner,
                                         "--released-list", AuditCommandTests.folder + "/released-list.txt"]
                                        + extra + AuditCommandTests.listFiles)
        #expect(run.status == 0, "\(run.stderr)")
        var states: [String: String] = [:]
        for entry in AuditCommandTests.entries(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) ?? [] {
            if let id = entry["id"] as? String, let state = entry["state"] as? String { states[id] = state }
        }
        return states
    }

    @Test func onTheEUSiteNoImageOfTheInternationalAccountIsReleasable() throws {
        let (_, releasable) = try Self.releasable()
        #expect(releasable.count == 5)
        let international = try auditStates(["--site", "international"])
        let eu = try auditStates(["--site", "eu"])
        for (id, region) in releasable {
            #expect(international[id] == "releasable", "\(id) in \(region)")
            #expect(eu[id] == "not-releasable", "\(id) in \(region) is not in EU-Dublin")
        }
    }

    @Test func auditTakesAPolicyFileOverTheSite() throws {
        let scratch = try Scratch()
        let policy = scratch.file("policy.yaml")
        try "allowed-regions: [af-south-1]\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let (_, releasable) = try Self.releasable()
        let states = try auditStates(["--site", "eu", "--policy", policy])
        for (id, region) in releasable {
            #expect(states[id] == (region == "af-south-1" ? "releasable" : "not-releasable"), "\(id) in \(region)")
        }
    }

    @Test func aBadPolicyFileIsExitTwoNamingItForAuditAndBundle() throws {
        let scratch = try Scratch()
        let policy = scratch.file("policy.yaml")
        try "max-package-bytes: lots\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let audit = try KoopackBinary.run(["audit", "--policy", policy] + AuditCommandTests.listFiles)
        #expect(audit.status == 2)
        #expect(audit.stderr.contains(policy) && audit.stderr.contains("max-package-bytes"), "\(audit.stderr)")
        let bundle = try KoopackBinary.run(["bundle", "--policy", policy, "--out", scratch.file("out"),
                                            SourceTree.testdata("releases/example") + "/release.yaml"])
        #expect(bundle.status == 2)
        #expect(bundle.stderr.contains(policy), "\(bundle.stderr)")
    }

    @Test func anUnknownSiteIsAUsageError() throws {
        let run = try KoopackBinary.run(["check", "--site", "mars", "x.qcow2"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--site"), "\(run.stderr)")
    }

    @Test func aKG122FindingSaysUncheckedInSARIF() {
        let log = sarifLog(results: [(artifact: "IMS image 3f6c", findings: [
            Finding(.metadataMissing, message: "known only by its ID"),
            Finding(.regionUnknown, message: "no region")])], toolVersion: "1")
        guard case let .array(runs)? = log["runs"], case let .array(results)? = runs.first?["results"] else {
            Issue.record("no results")
            return
        }
        #expect(results.count == 2)
        #expect(results[0]["properties"]?["verdict"] == .string("unchecked"))
        #expect(results[0]["level"] == .string("warning"))
        #expect(results[1]["properties"]?["verdict"] == nil)
    }
}

@Suite(.enabled(if: Packages.toolsAvailable, "qemu-img, sfdisk, mkfs or xorriso is missing"))
struct DomainCorrectionLazyLoadingTests {
    @Test func lazyLoadingFromTheMetadataIsInTheReport() throws {
        let scratch = try Scratch()
        let folder = scratch.file("eligible")
        try Packages.make("eligible", in: folder)
        let sidecar = try String(contentsOfFile: folder + "/web-server.qcow2.json", encoding: .utf8)
        #expect(sidecar.contains("\"__lazyloading\": \"true\""))
        let json = try KoopackBinary.run(["check", "--format", "json", "--no-scan", folder])
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(reports.first?["lazyloading"] as? Bool == true)
        let text = try KoopackBinary.run(["check", "--no-scan", folder], environment: ["NO_COLOR": "1"])
        #expect(text.stdout.contains("lazy loading on"), "\(text.stdout)")
    }
}
