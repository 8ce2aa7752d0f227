import Findings
import ReleasePolicy

/// A release judged before it is bundled: a section per specification's image (KG1xx) and one
/// for the documents and product details (KG2xx), each with its findings, plus what could not
/// be read and what the release register will record. A value: `koopack bundle` renders it.
public struct ReleaseReview: Sendable {
    /// One judged part of the release: its title (`specification Standard: images/web.qcow2`,
    /// `documents`) and its findings.
    public struct Section: Sendable {
        public var title: String
        public var findings: [Finding]

        public init(title: String, findings: [Finding]) {
            self.title = title
            self.findings = findings
        }
    }

    /// The sections, in the release's order, the documents last.
    public var sections: [Section] = []
    /// Inputs that could not be read, one line each naming the file.
    public var unreadable: [String] = []
    /// IMS image IDs of the bundled images (from their metadata, or named in the release).
    public var imageIDs: [String] = []
    /// The region recorded in the release register: the first specification's first region.
    public var registerRegion: String?

    public init() {}

    /// Adds one section.
    public mutating func add(_ title: String, _ findings: [Finding]) {
        sections.append(Section(title: title, findings: findings))
    }

    /// Whether any section has an error: the release is not eligible.
    public var hasErrors: Bool {
        sections.contains { $0.findings.contains { $0.severity == .error } }
    }

    /// Whether the release may not be bundled: a section whose verdict is not eligible (an
    /// error, or with `strict` a warning, an unchecked image included).
    public func blocks(strict: Bool) -> Bool {
        sections.contains { !Verdict(findings: $0.findings, strict: strict).isEligible }
    }

    /// Whether any section has a finding at all.
    public var hasFindings: Bool {
        sections.contains { !$0.findings.isEmpty }
    }
}
