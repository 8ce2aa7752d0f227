import Foundation
import Testing
import DiskImage
import Findings
import ImagePackage
@testable import ReleasePolicy
@testable import koopack

/// Image cases on the committed sidecar of testdata/packages/eligible: a private system disk image
/// that passes every KG1xx rule (only KG117's note fires), and ways to spoil it.
enum SARIFCases {
    static let sidecar = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/packages/eligible/web-server.qcow2.json").path

    /// The eligible image with `changes` to its metadata (a key set replaces or adds it).
    static func clean(metadata changes: [(String, JSONValue)] = []) throws -> ImageCase {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sidecar)))
        var fields = try #require(try IMSMetadata.parseDocument(bytes, file: sidecar).first).fields
        for (key, value) in changes {
            if let i = fields.firstIndex(where: { $0.0 == key }) { fields[i].1 = value } else { fields.append((key, value)) }
        }
        let metadata = try IMSMetadata(fields: fields, file: sidecar)
        return ImageCase(fileName: "web-server.qcow2", info: info(), metadata: metadata, packageBytes: 2 << 30,
                         sellerOwner: metadata["owner"]?.stringValue)
    }

    /// Header facts of a clean 40 GiB qcow2 image.
    static func info() -> ImageInfo {
        var info = ImageInfo(filename: "web-server.qcow2", format: "qcow2", virtualSize: 40 << 30)
        info.dirty = false
        return info
    }
}

/// Checks the parts of SARIF 2.1.0 that consumers (GitHub code scanning among them) require.
@Suite struct SARIFTests {
    func log() throws -> JSONValue {
        var bad = try SARIFCases.clean(metadata: [("__whole_image", .string("true")), ("status", .string("saving")),
                                             ("region", .string("cn-north-4"))])
        bad.packageBytes = 128_000_000_001
        var damaged = try SARIFCases.clean()
        var info = SARIFCases.info()
        info.corrupt = true
        info.warnings = ["refcount table overlaps the L1 table", "second"]
        damaged.info = info
        return sarifLog(results: [
            (artifact: "images/web image#1.qcow2", findings: evaluate(bad)),
            (artifact: "images/db.qcow2", findings: evaluate(damaged)),
            (artifact: "images/clean.qcow2", findings: evaluate(try SARIFCases.clean())),
            (artifact: "file:///srv/images/other.vmdk", findings: [
                Finding(ruleID: .sshHostKeysLeft, severity: .warning, message: "host keys")]),
        ], toolVersion: "0.1.0", informationURI: "https://example.org/koopack")
    }

    func array(_ value: JSONValue?) -> [JSONValue] {
        if case let .array(items)? = value { return items }
        return []
    }

    func int(_ value: JSONValue?) -> Int? {
        switch value {
        case let .int(v)?: return Int(v)
        case let .uint(v)?: return Int(v)
        default: return nil
        }
    }

    @Test func theLogHasTheRequiredTopLevelStructure() throws {
        let log = try log()
        #expect(log["version"] == .string("2.1.0"))
        #expect(log["$schema"]?.stringValue?.hasPrefix("https://") == true)
        let runs = array(log["runs"])
        #expect(runs.count == 1)
        let driver = runs.first?["tool"]?["driver"]
        #expect(driver?["name"] == .string("koopack"))
        #expect(driver?["version"] == .string("0.1.0"))
        #expect(driver?["informationUri"] == .string("https://example.org/koopack"))
    }

    @Test func theDriverListsEveryEvaluatedRuleOfTheCatalogueWithItsDocumentation() throws {
        let rules = array(try log()["runs"].flatMap { array($0).first }?["tool"]?["driver"]?["rules"])
        #expect(rules.count == RuleCatalogue.evaluated.count)
        #expect(rules.count == 23 + 10 + 3 + 17)
        for (rule, definition) in zip(rules, RuleCatalogue.evaluated) {
            #expect(rule["id"] == .string(definition.id.rawValue))
            #expect(rule["name"] == .string(definition.name))
            #expect(rule["shortDescription"]?["text"]?.stringValue?.isEmpty == false)
            #expect(rule["fullDescription"]?["text"]?.stringValue?.isEmpty == false)
            #expect(rule["defaultConfiguration"]?["level"] == .string(definition.severity.description))
            if let remedy = definition.remedy { #expect(rule["help"]?["text"] == .string(remedy)) }
        }
    }

    @Test func everyResultPointsAtItsRuleAndHasALevelAMessageAndALocation() throws {
        let run = array(try log()["runs"]).first
        let rules = array(run?["tool"]?["driver"]?["rules"])
        let results = array(run?["results"])
        #expect(results.count == 7)
        for result in results {
            let ruleID = try #require(result["ruleId"]?.stringValue)
            let index = try #require(int(result["ruleIndex"]), "\(ruleID) has no ruleIndex")
            #expect(index >= 0 && index < rules.count)
            #expect(rules[index]["id"] == .string(ruleID))
            let level = try #require(result["level"]?.stringValue)
            #expect(SARIF.levels.contains(level))
            #expect(result["message"]?["text"]?.stringValue?.isEmpty == false)
            let locations = array(result["locations"])
            #expect(locations.count == 1)
            #expect(locations.first?["physicalLocation"]?["artifactLocation"]?["uri"]?.stringValue?.isEmpty == false)
            guard case .object? = result["properties"]?["evidence"] else {
                Issue.record("\(ruleID) has no evidence property bag")
                continue
            }
        }
    }

    @Test func resultsCarryTheFindingsInOrderWithTheirEvidence() throws {
        let results = array(array(try log()["runs"]).first?["results"])
        let first = results.filter { $0["locations"].map { array($0).first?["physicalLocation"]?["artifactLocation"]?["uri"] } == .string("images/web%20image%231.qcow2") }
        #expect(first.compactMap { $0["ruleId"]?.stringValue } == ["KG101", "KG110", "KG118", "KG109"])
        #expect(first.first?["properties"]?["evidence"]?["__whole_image"] == .string("true"))
        #expect(first.first?["level"] == .string("error"))
        #expect(first.last?["level"] == .string("warning"))
        let damaged = results.first { $0["ruleId"] == .string("KG114") }
        #expect(damaged?["properties"]?["evidence"]?["warning"] == .array([.string("refcount table overlaps the L1 table"), .string("second")]))
        let note = results.first { $0["ruleId"] == .string("KG117") }
        #expect(note?["level"] == .string("note"))
        let scan = results.first { $0["ruleId"] == .string("KG405") }
        #expect(scan?["locations"].map { array($0).first?["physicalLocation"]?["artifactLocation"]?["uri"] } == .string("file:///srv/images/other.vmdk"))
    }

    @Test func everyRuleIsEvaluatedSoAFindingOfAnyRuleGetsItsIndexInTheDriver() {
        #expect(RuleCatalogue.notYetEvaluated.isEmpty)
        let log = sarifLog(results: [(artifact: "a.qcow2", findings: [
            Finding(ruleID: .cloudCredentialsLeft, severity: .error, message: "")])], toolVersion: "1")
        let run = array(log["runs"]).first
        let result = array(run?["results"]).first
        let rules = array(run?["tool"]?["driver"]?["rules"])
        let index = rules.firstIndex { $0["id"] == .string("KG411") }
        #expect(index != nil)
        #expect(result?["ruleIndex"] == index.map { .int(Int64($0)) })
        #expect(result?["message"]?["text"] == .string("KG411 cloud-credentials-left"))
    }

    @Test func anEmptyRunStillListsTheRules() {
        let log = sarifLog(results: [], toolVersion: "1")
        let run = array(log["runs"]).first
        #expect(run?["results"] == .array([]))
        #expect(array(run?["tool"]?["driver"]?["rules"]).count == RuleCatalogue.evaluated.count)
    }

    @Test func theLogSerialisesToJSONThatParsesBack() throws {
        let log = try log()
        let text = log.serialized(indent: 2)
        #expect(try JSONParser.parse(text, maximumInputBytes: 1 << 22) == log)
    }

    @Test func artifactPathsBecomeValidURIReferences() {
        #expect(sarifURI("images/web.qcow2") == "images/web.qcow2")
        #expect(sarifURI("web image#1.qcow2") == "web%20image%231.qcow2")
        #expect(sarifURI("镜像.qcow2") == "%E9%95%9C%E5%83%8F.qcow2")
        #expect(sarifURI("file:///srv/a.vmdk") == "file:///srv/a.vmdk")
        #expect(sarifURI("C:/images/a.vhd") == "C%3A/images/a.vhd")
        #expect(sarifURI("a:b") == "a%3Ab")
    }
}
