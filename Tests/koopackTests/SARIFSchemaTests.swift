import Testing
import Foundation
import DiskImage
@testable import ReleasePolicy
@testable import koopack

/// Validates a log against the official OASIS SARIF 2.1.0 JSON schema with Python's `jsonschema`,
/// when `KOOPACK_SARIF_SCHEMA` names a copy of `sarif-schema-2.1.0.json` (the schema is not
/// shipped with koopack; `SARIFTests` checks the required structure without it).
@Suite struct SARIFSchemaTests {
    static let schemaPath = ProcessInfo.processInfo.environment["KOOPACK_SARIF_SCHEMA"]

    @Test(.enabled(if: schemaPath.map { FileManager.default.fileExists(atPath: $0) } ?? false,
                   "KOOPACK_SARIF_SCHEMA does not name the SARIF 2.1.0 schema"))
    func aLogValidatesAgainstTheOASISSchema() throws {
        var bad = try SARIFCases.clean(metadata: [("__whole_image", .string("true")), ("status", .string("saving")),
                                             ("region", .string("cn-north-4"))])
        bad.packageBytes = 128_000_000_001
        var info = SARIFCases.info()
        info.corrupt = true
        info.warnings = ["refcount table overlaps the L1 table", "second"]
        var damaged = try SARIFCases.clean()
        damaged.info = info
        let log = sarifLog(results: [
            (artifact: "images/web image#1.qcow2", findings: evaluate(bad)),
            (artifact: "images/db.qcow2", findings: evaluate(damaged)),
            (artifact: "images/clean.qcow2", findings: evaluate(try SARIFCases.clean())),
        ], toolVersion: "0.1.0", informationURI: "https://example.org/koopack")
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("koopack-\(UUID().uuidString).sarif")
        defer { try? FileManager.default.removeItem(at: logURL) }
        try log.serialized().write(to: logURL, atomically: true, encoding: .utf8)

        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); log = json.load(open(sys.argv[2]))
            v = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
            errors = [f"{list(e.path)}: {e.message}" for e in v.iter_errors(log)]
            print("\\n".join(errors)); sys.exit(1 if errors else 0)
            """
        let run = try Tool.capture("python3", ["-c", script, try #require(Self.schemaPath), logURL.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }
}
