import Testing
import Foundation
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct AuditReportTests {
    func entry(_ id: String, _ name: String?, _ region: String?, _ state: AuditState = .releasable,
               evidence: [(String, String)] = [], next: String = "Keep a copy.", notes: [String] = []) -> AuditEntry {
        AuditEntry(id: id, name: name, region: region, source: "x.json", state: state, evidence: evidence,
                   nextStep: next, notes: notes, errorRules: [], lineage: nil)
    }

    @Test func entriesAreOrderedByRegionThenNameThenIDWithUnknownsLast() {
        let report = AuditReport(entries: [
            entry("3", "web", "la-south-2"), entry("2", nil, "af-south-1"), entry("9", "api", nil),
            entry("5", "web", "af-south-1"), entry("4", "web", "af-south-1"), entry("1", "db", "af-south-1"),
        ])
        #expect(report.entries.map(\.id) == ["1", "4", "5", "2", "3", "9"])
    }

    @Test func countsListEveryStateAndTheFilterKeepsTheAskedOnes() {
        let report = AuditReport(entries: [entry("1", "a", "af-south-1", .locked), entry("2", "b", "af-south-1", .market),
                                           entry("3", "c", "af-south-1", .locked)])
        #expect(report.counts.map(\.state) == AuditState.allCases)
        #expect(report.count(.locked) == 2 && report.count(.releasable) == 0)
        let filtered = report.filtered(states: [.market])
        #expect(filtered.entries.map(\.id) == ["2"])
        #expect(report.filtered(states: []).entries.count == 3)
    }
}
