import DiskImage
import Findings
import ReleasePolicy

/// The SARIF 2.1.0 log of a `koopack check` or `koopack scan` run, so code-scanning dashboards
/// (GitHub, GitLab, Azure DevOps) can show release findings beside other analysis results.
enum SARIF {
    /// The schema URI SARIF 2.1.0 logs name.
    static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    /// The SARIF version written.
    static let version = "2.1.0"
    /// The three levels SARIF allows besides `none`, which koopack's severities map to one to one.
    static let levels: Set<String> = ["error", "warning", "note"]

    /// Where the driver says koopack comes from.
    static let informationURI = "https://github.com/koopack/koopack"

    /// Writes the SARIF log of `results` (artifact and findings) on standard output.
    static func write(_ results: [(artifact: String, findings: [Finding])]) {
        JSONOutput.write(sarifLog(results: results, toolVersion: Koopack.configuration.version,
                                  informationURI: SARIF.informationURI))
    }
}

/// A SARIF 2.1.0 log of `results` (one entry per checked artifact: its path or URI and its
/// findings). The driver lists every rule koopack evaluates (`RuleCatalogue.evaluated`), so each
/// result's `ruleIndex` points at its rule; a finding of a rule the driver does not list (one
/// defined but not yet evaluated) gets no `ruleIndex`.
/// `informationURI`, when given, becomes the driver's `informationUri` (an absolute URI).
func sarifLog(results: [(artifact: String, findings: [Finding])], toolVersion: String,
                     informationURI: String? = nil) -> JSONValue {
    let catalogue = RuleCatalogue.evaluated
    var index: [RuleID: Int] = [:]
    for (i, rule) in catalogue.enumerated() where index[rule.id] == nil { index[rule.id] = i }

    let rules: [JSONValue] = catalogue.map { rule in
        var members: [(String, JSONValue)] = [
            ("id", .string(rule.id.rawValue)),
            ("name", .string(rule.name)),
            ("shortDescription", .object([("text", .string(rule.summary))])),
            ("fullDescription", .object([("text", .string(rule.detail))])),
        ]
        if let remedy = rule.remedy { members.append(("help", .object([("text", .string(remedy))]))) }
        members.append(("defaultConfiguration", .object([("level", .string(rule.severity.description))])))
        return .object(members)
    }

    var sarifResults: [JSONValue] = []
    for (artifact, findings) in results {
        for finding in findings {
            var members: [(String, JSONValue)] = [("ruleId", .string(finding.ruleID.rawValue))]
            if let i = index[finding.ruleID] { members.append(("ruleIndex", .int(Int64(i)))) }
            members.append(("level", .string(finding.severity.description)))
            let text = finding.message.isEmpty ? "\(finding.ruleID) \(finding.ruleName)" : finding.message
            members.append(("message", .object([("text", .string(text))])))
            members.append(("locations", .array([.object([
                ("physicalLocation", .object([
                    ("artifactLocation", .object([("uri", .string(sarifURI(artifact)))])),
                ])),
            ])])))
            var properties: [(String, JSONValue)] = [
                ("evidence", .object(sarifEvidence(finding.evidence))),
            ]
            if let remedy = finding.remedy { properties.append(("remedy", .string(remedy))) }
            // KG122 means nothing was judged: say so, since SARIF's level alone reads "warning".
            if finding.ruleID == .metadataMissing { properties.append(("verdict", .string(Verdict.unchecked.text))) }
            members.append(("properties", .object(properties)))
            sarifResults.append(.object(members))
        }
    }

    var driver: [(String, JSONValue)] = [("name", .string("koopack"))]
    if let informationURI { driver.append(("informationUri", .string(informationURI))) }
    driver.append(("version", .string(toolVersion)))
    driver.append(("rules", .array(rules)))

    return .object([
        ("$schema", .string(SARIF.schemaURI)),
        ("version", .string(SARIF.version)),
        ("runs", .array([.object([
            ("tool", .object([("driver", .object(driver))])),
            ("results", .array(sarifResults)),
        ])])),
    ])
}

/// Evidence as a SARIF property bag: one member per field; a field named twice (KG114's
/// warnings) gets its values joined in order, since a property bag's names are unique.
func sarifEvidence(_ evidence: [(String, String)]) -> [(String, JSONValue)] {
    var out: [(String, JSONValue)] = []
    for (key, value) in evidence {
        if let i = out.firstIndex(where: { $0.0 == key }) {
            switch out[i].1 {
            case let .array(values): out[i].1 = .array(values + [.string(value)])
            case let existing: out[i].1 = .array([existing, .string(value)])
            }
        } else {
            out.append((key, .string(value)))
        }
    }
    return out
}

/// An artifact path as a SARIF `uri`: a relative reference with reserved and non-ASCII bytes
/// percent-encoded (path separators kept), so a file named `web image#1.qcow2` stays one valid
/// URI. Something that already looks like a URI (`scheme:...`) is kept as given.
func sarifURI(_ path: String) -> String {
    if let colon = path.firstIndex(of: ":"), colon != path.startIndex,
       path[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." ) }),
       path[..<colon].first?.isLetter == true, path[..<colon].count > 1 {
        return path
    }
    var out = ""
    for byte in path.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"), UInt8(ascii: "/"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            out += "%" + (hex.count < 2 ? "0" + hex : hex)
        }
    }
    return out
}
