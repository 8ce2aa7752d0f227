import Testing
import Foundation
import DiskImage
@testable import ReleasePolicy
@testable import koopack

/// Validators of SARIF 2.1.0 logs: the `sarif-pydantic` model from PyPI (which `make deps`
/// installs), and the official OASIS JSON schema with Python's `jsonschema` when
/// `KOOPACK_SARIF_SCHEMA` names a copy of `sarif-schema-2.1.0.json` (not shipped with koopack).
enum SARIFValidators {
    static let schemaPath = ProcessInfo.processInfo.environment["KOOPACK_SARIF_SCHEMA"]
        .flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }

    /// Whether the `sarif-pydantic` model is installed.
    static let modelAvailable = Tool.exists("python3") && (try? Tool.run("python3", ["-c", "import sarif_pydantic"])) != nil

    /// Loads the log at `path` into the `sarif-pydantic` model, checks that every result's
    /// `ruleIndex` names its rule, and prints `RULE LEVEL` per result.
    static func validateWithModel(_ path: String) throws -> ToolRun {
        let script = """
            import sys, sarif_pydantic
            log = sarif_pydantic.load(sys.argv[1])
            assert log.version == "2.1.0", log.version
            run = log.runs[0]
            assert run.tool.driver.name == "koopack"
            rules = [r.id for r in run.tool.driver.rules]
            for result in run.results:
                if result.rule_index is not None:
                    assert rules[result.rule_index] == result.rule_id, result.rule_id
                print(result.rule_id, getattr(result.level, "value", result.level))
            """
        return try Tool.capture("python3", ["-c", script, path])
    }

    /// Validates the log at `path` against the OASIS schema at `schema`.
    static func validateWithSchema(_ path: String, schema: String) throws -> ToolRun {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); log = json.load(open(sys.argv[2]))
            v = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
            errors = [f"{list(e.path)}: {e.message}" for e in v.iter_errors(log)]
            print("\\n".join(errors)); sys.exit(1 if errors else 0)
            """
        return try Tool.capture("python3", ["-c", script, schema, path])
    }
}

/// A log of findings of every severity validates: against the OASIS schema when it is given,
/// else against the `sarif-pydantic` model.
@Suite struct SARIFSchemaTests {
    @Test(.enabled(if: SARIFValidators.schemaPath != nil || SARIFValidators.modelAvailable,
                   "neither KOOPACK_SARIF_SCHEMA nor sarif-pydantic (make deps installs it) is there"))
    func aLogValidatesAgainstTheOASISSchemaOrTheSARIFModel() throws {
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
        let scratch = try Scratch()
        let path = try scratch.write("log.sarif", log.serialized())
        if let schema = SARIFValidators.schemaPath {
            let run = try SARIFValidators.validateWithSchema(path, schema: schema)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        }
        if SARIFValidators.modelAvailable {
            let run = try SARIFValidators.validateWithModel(path)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.split(separator: "\n").count == 6, "\(run.stdout)")
        }
    }
}
