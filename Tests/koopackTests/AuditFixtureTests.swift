import Testing
import Foundation
import DiskImage
import ImagePackage
@testable import ReleasePolicy
@testable import koopack

/// The committed account of testdata/audit (made by make-account.py), audited and held against
/// expected-audit.json, which the script writes from each image's intended state.
@Suite struct AuditFixtureTests {
    static let files = ["images-ap-southeast-3.json", "images-af-south-1.json", "images-la-south-2.json"]

    func read(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: AuditFixtureFiles.directory.appendingPathComponent(name)))
    }

    func auditedFixture() throws -> (report: JSONValue, expected: JSONValue) {
        var account = ImageAccount()
        for file in AuditFixtureTests.files { try account.add(document: read(file), file: file) }
        let register = try ReleaseRegister.parseList(String(decoding: try read("released-list.txt"), as: UTF8.self),
                                                     file: "released-list.txt")
        let expected = try JSONParser.parse(try read("expected-audit.json"), maximumInputBytes: 1 << 20)
        let owner = try #require(expected["seller-owner"]?.stringValue)
        let rendered = AuditJSON.render(audit(account, register: register, sellerOwner: owner)).serialized()
        return (try JSONParser.parse(rendered, maximumInputBytes: 16 << 20), expected)
    }

    @Test func everyImageGetsItsIntendedStateRegionLineageAndNotes() throws {
        let (report, expected) = try auditedFixture()
        guard case let .array(images)? = report["images"], case let .object(wanted)? = expected["images"] else {
            Issue.record("missing images"); return
        }
        #expect(images.count == wanted.count)
        for (id, want) in wanted {
            guard let got = images.first(where: { $0["id"]?.stringValue == id }) else {
                Issue.record("\(id) (\(want["name"]?.stringValue ?? "")) is missing from the report"); continue
            }
            let name = want["name"]?.stringValue ?? id
            #expect(got["state"] == want["state"], "\(name)")
            #expect(got["region"] == want["region"], "\(name)")
            #expect(got["name"] == want["name"], "\(name)")
            #expect(got["lineage"]?["root"] == want["lineage-root"], "\(name)")
            guard case let .array(notes)? = got["notes"], case let .array(wantedNotes)? = want["notes"] else {
                Issue.record("\(name): no notes array"); continue
            }
            let texts = notes.compactMap(\.stringValue)
            let kinds = Set(texts.map { $0.hasPrefix("lineage loop:") ? "loop" : $0.contains("is not in the image lists") ? "missing-parent" : $0 })
            #expect(kinds == Set(wantedNotes.compactMap(\.stringValue)), "\(name): \(texts)")
        }
    }

    @Test func theCountsMatchTheIntendedStatesAndNothingWasSkipped() throws {
        let (report, expected) = try auditedFixture()
        for state in AuditState.allCases {
            let want = expected["counts"]?[state.rawValue] ?? .int(0)
            #expect(report["counts"]?[state.rawValue] == want, "\(state.rawValue)")
        }
        #expect(report["warnings"] == .array([]))
    }

    @Test func theFixtureCoversEveryState() throws {
        let (_, expected) = try auditedFixture()
        for state in AuditState.allCases {
            #expect((expected["counts"]?[state.rawValue]).map { $0 != .int(0) } == true, "\(state.rawValue)")
        }
    }

    @Test func theCommittedFixtureIsWhatTheScriptWrites() throws {
        guard Tool.exists("python3") else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("koopack-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Tool.run("python3", [AuditFixtureFiles.directory.appendingPathComponent("make-account.py").path, "--out", directory.path])
        for file in AuditFixtureTests.files + ["released-list.txt", "expected-audit.json"] {
            let fresh = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
            #expect(fresh == (try read(file)), "\(file)")
        }
    }
}

/// Where testdata/audit is.
enum AuditFixtureFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/audit")
}
