import Findings
import ReleasePolicy

/// Findings in text, as every command prints them: a line per finding (severity, rule ID and
/// name, message), with its evidence and remedy below.
enum FindingLines {
    /// `findings` in the order given; `evidence` false leaves the evidence lines out.
    static func lines(_ findings: [Finding], indent: String = "  ", evidence: Bool = true) -> String {
        var out = ""
        for finding in findings {
            let label: String
            switch finding.severity {
            case .error: label = Terminal.red("error  ")
            case .warning: label = Terminal.yellow("warning")
            case .note: label = "note   "
            }
            out += "\(indent)\(label) \(finding.ruleID) \(finding.ruleName): \(finding.message)\n"
            if evidence && !finding.evidence.isEmpty {
                out += "\(indent)        evidence: " + finding.evidence.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + "\n"
            }
            if let remedy = finding.remedy { out += "\(indent)        remedy: \(remedy)\n" }
        }
        return out
    }

    /// Findings that belong to no image (the upload quota's, a release's documents'), most
    /// severe first.
    static func render(_ findings: [Finding], indent: String = "  ") -> String {
        lines(findings.sorted(by: { $0.severity > $1.severity }), indent: indent)
    }
}
