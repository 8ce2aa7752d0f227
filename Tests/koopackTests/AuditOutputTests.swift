import Foundation
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

    @Test func theJSONWrittenInPiecesIsTheOneDocumentRenderGivesByteForByte() {
        // More images than one run of pieces, with lineage, notes, escapes and warnings; and none.
        var entries: [AuditEntry] = []
        for i in 0..<600 {
            var e = entry("id-\(i)", i % 7 == 0 ? nil : "image \"\(i)\"", i % 3 == 0 ? "af-south-1" : nil,
                          i % 2 == 0 ? .marketDerived : .releasable, evidence: [("k\(i)", "v\tw")], notes: i % 5 == 0 ? ["n\n"] : [])
            if i % 2 == 0 { e.lineage = LineageOrigin(parent: i % 4 == 0 ? nil : "p", parentKey: i % 4 == 0 ? nil : "__originalimagename",
                                                      root: "r", seed: .productCode("OFFI\(i)"), generations: i) }
            if i % 3 == 1 { e.errorRules = ["KG101", "KG10\(i % 10)"] }
            if i % 11 == 0 { e.evidence = [] }
            entries.append(e)
        }
        let warnings = [AccountWarning(file: "f.json", message: "image 2 has no id; skipped")]
        for report in [AuditReport(entries: entries, warnings: warnings), AuditReport(entries: [], warnings: warnings),
                       AuditReport(entries: Array(entries.prefix(1)))] {
            let expected = AuditJSON.render(report).serialized(indent: 2) + "\n"
            let written = String(decoding: AuditJSON.pieces(report).joined(), as: UTF8.self)
            #expect(written == expected)
        }
    }

    @Test func theTextGroupsByRegionWithAlignedColumnsAndTheDetailsIndentedBelow() {
        let report = AuditReport(entries: [
            entry("id-1", "web", "ap-southeast-3", .locked, evidence: [("released", "true")], next: "Buy it back."),
            entry("id-22", "database", "ap-southeast-3", notes: ["lineage loop: a → b → a; the walk stops there"]),
            entry("id-3", nil, nil),
        ], warnings: [AccountWarning(file: "f.json", message: "m")])
        #expect(AuditText.render(report) == """
            ap-southeast-3 (AP-Singapore): 2 images
            NAME      ID     STATE
            database  id-22  releasable
                next step: Keep a copy.
                note: lineage loop: a → b → a; the walk stops there
            web       id-1   locked
                evidence: released=true
                next step: Buy it back.

            region unknown: 1 image
            NAME  ID    STATE
            -     id-3  releasable
                next step: Keep a copy.

            3 images: 1 locked, 2 releasable
            warning: f.json: m

            """)
    }

    @Test func everyLineFitsAHundredColumnsAndWrappingLosesNoWord() {
        let name = "acme-webstack-" + String(repeating: "enterprise-", count: 8) + "edition"
        let id = "3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44-with-a-suffix-no-ims-id-has"
        let evidence = (1...12).map { ("__field_number_\($0)", "value-\($0)-" + String(repeating: "x", count: $0)) }
        let next = String(repeating: "Buy it back from KooGallery before using it again; ", count: 6)
        let unbroken = String(repeating: "y", count: 230)
        let report = AuditReport(entries: [
            entry(id, name, "af-south-1", .marketDerived, evidence: evidence, next: next, notes: [unbroken]),
        ], warnings: [AccountWarning(file: "images.json", message: String(repeating: "skipped an image; ", count: 9))])
        let text = AuditText.render(report)
        let lines = text.split(separator: "\n").map(String.init)
        for line in lines { #expect(line.count <= AuditText.width, "\(line.count) columns: \(line)") }
        // The words come back in order once the lines are joined again.
        let flat = lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        func words(_ text: String) -> String { text.split(whereSeparator: { $0 == " " }).joined(separator: " ") }
        let joined = words(flat)
        #expect(joined.contains(words(next)))
        #expect(joined.contains(words(AuditText.evidenceSummary(report.entries[0]))))
        #expect(lines.joined().replacingOccurrences(of: " ", with: "").contains(unbroken))
        // The name and the ID wrap inside their columns: the ID column is 40 wide, the state
        // column as wide as "market-derived", the name column what is left of 100.
        let nameWidth = AuditText.width - 4 - AuditText.maximumIDWidth - "market-derived".count
        let rows = lines.dropFirst(2).prefix { !$0.hasPrefix(" ") }
        func column(_ from: Int, _ width: Int) -> String {
            rows.map { String($0.dropFirst(from).prefix(width)).trimmingCharacters(in: .whitespaces) }.joined()
        }
        #expect(rows.count == 3)
        #expect(column(0, nameWidth) == name)
        #expect(column(nameWidth + 2, AuditText.maximumIDWidth) == id)
        #expect(rows.first?.hasSuffix("  market-derived") == true)
    }
}
