import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy
@testable import koopack

/// `koopack audit`'s renderers: CSV, JSON and text of an audit report.
@Suite struct AuditOutputTests {
    func entry(_ id: String, _ name: String?, _ region: String?, _ state: AuditState = .releasable,
               evidence: [(String, String)] = [], next: String = "Keep a copy.", notes: [String] = []) -> AuditEntry {
        AuditEntry(id: id, name: name, region: region, source: "x.json", state: state, evidence: evidence,
                   nextStep: next, notes: notes, errorRules: [], lineage: nil)
    }

    @Test func csvQuotesCommasQuotesAndLineBreaksPerRFC4180() {
        let report = AuditReport(entries: [
            entry("1", "web, \"prod\"", "af-south-1", evidence: [("a", "1"), ("b", "2")], next: "line one\nline two"),
        ])
        let lines = AuditCSV.render(report).components(separatedBy: "\r\n")
        #expect(lines[0] == "region,name,id,state,evidence,next_step,notes")
        #expect(lines[1] == "af-south-1,\"web, \"\"prod\"\"\",1,releasable,\"a=1, b=2\",\"line one\nline two\",")
        #expect(lines.count == 3 && lines[2].isEmpty)
        #expect(AuditCSV.field("plain") == "plain")
        #expect(AuditCSV.field("a\rb") == "\"a\rb\"")
    }

    @Test func jsonCarriesStateEvidenceLineageCountsAndWarnings() throws {
        var locked = entry("1", "web", "af-south-1", .marketDerived, evidence: [("__originalimagename", "2")], notes: ["n"])
        locked.lineage = LineageOrigin(parent: "2", parentKey: "__originalimagename", root: "2", seed: .market, generations: 1)
        let report = AuditReport(entries: [locked], warnings: [AccountWarning(file: "f.json", message: "image 2 has no id; skipped")])
        let json = AuditJSON.render(report)
        guard case let .array(images)? = json["images"], let first = images.first else { Issue.record("no images"); return }
        #expect(first["state"]?.stringValue == "market-derived")
        #expect(first["lineage"]?["root-is"]?.stringValue == "market")
        #expect(first["lineage"]?["generations"] == .int(1))
        #expect(first["evidence"] == .array([.object([("field", .string("__originalimagename")), ("value", .string("2"))])]))
        #expect(json["counts"]?["market-derived"] == .int(1))
        #expect(json["counts"]?["locked"] == .int(0))
        #expect(json["warnings"] == .array([.string("f.json: image 2 has no id; skipped")]))
        // It parses back as JSON.
        _ = try JSONParser.parse(json.serialized(), maximumInputBytes: 1 << 20)
    }

    @Test func theTextTableGroupsByRegionWithAlignedColumns() {
        let report = AuditReport(entries: [
            entry("id-1", "web", "ap-southeast-3", .locked, evidence: [("released", "true")], next: "Buy it back."),
            entry("id-22", "database", "ap-southeast-3", notes: ["lineage loop: a → b → a; the walk stops there"]),
            entry("id-3", nil, nil),
        ], warnings: [AccountWarning(file: "f.json", message: "m")])
        let lines = AuditText.render(report).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "ap-southeast-3 (AP-Singapore): 2 images")
        #expect(lines[1].hasPrefix("NAME      ID     STATE       EVIDENCE       NEXT STEP"))
        #expect(lines[2].hasPrefix("database  id-22  releasable  -              Keep a copy."))
        #expect(lines[3] == "    note: lineage loop: a → b → a; the walk stops there")
        #expect(lines[4].hasPrefix("web       id-1   locked      released=true  Buy it back."))
        #expect(lines.contains("region unknown: 1 image"))
        #expect(lines.contains("3 images: 1 locked, 2 releasable"))
        #expect(lines.contains("warning: f.json: m"))
    }
}
