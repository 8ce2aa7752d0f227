import ImagePackage

/// A rule's identity and documentation: what SARIF and the text report say about it.
public struct RuleDefinition: Sendable, Equatable {
    /// The stable ID, e.g. `KG101`.
    public let id: String
    /// The short name, e.g. `full-ecs-image`.
    public let name: String
    /// The severity of every finding the rule makes.
    public let severity: Severity
    /// One line: what the rule guards against.
    public let summary: String
    /// When the rule fires, in full.
    public let detail: String
    /// What the seller can do about a finding, when there is something.
    public let remedy: String?

    public init(id: String, name: String, severity: Severity, summary: String, detail: String, remedy: String?) {
        self.id = id
        self.name = name
        self.severity = severity
        self.summary = summary
        self.detail = detail
        self.remedy = remedy
    }
}

/// What a rule's check is given: the case, its classification (computed once), and the profile.
public struct RuleInput: Sendable {
    public let imageCase: ImageCase
    public let classification: Classification
    public let profile: PolicyProfile

    public init(_ imageCase: ImageCase, profile: PolicyProfile) {
        self.imageCase = imageCase
        self.classification = Classification(imageCase)
        self.profile = profile
    }
}

/// One release rule for images (KG1xx): its definition and the check that produces its findings.
/// Each rule is judged on its own, so it can be tested on its own.
public struct Rule: Sendable {
    public let definition: RuleDefinition
    let check: @Sendable (RuleDefinition, RuleInput) -> [Finding]

    /// A rule defined by `definition` whose `check` is given the definition (to make findings
    /// with) and the input.
    public init(_ definition: RuleDefinition, check: @escaping @Sendable (RuleDefinition, RuleInput) -> [Finding]) {
        self.definition = definition
        self.check = check
    }

    public var id: String { definition.id }

    /// The rule's findings on `imageCase` under `profile` (empty when it does not fire).
    public func evaluate(_ imageCase: ImageCase, profile: PolicyProfile = .kooGallery) -> [Finding] {
        check(definition, RuleInput(imageCase, profile: profile))
    }

    /// The rule's findings for an input whose classification is already computed.
    public func evaluate(_ input: RuleInput) -> [Finding] {
        check(definition, input)
    }
}

extension RuleDefinition {
    /// One finding of this rule, or none when `evidence` is empty: the common shape of a check
    /// that collects the fields that fire it and reports them together.
    func finding(_ message: String, _ evidence: [(String, String)]) -> [Finding] {
        evidence.isEmpty ? [] : [Finding(self, message: message, evidence: evidence)]
    }
}

/// The KG1xx image rules, one static value each, defined by family in `Rules/`.
public enum Rules {}

/// Formatting shared by rule messages.
enum Describe {
    /// `137,438,953,473 bytes` with thousands separators, as DOMAIN.md writes limits.
    static func bytes(_ n: UInt64) -> String {
        grouped(n) + (n == 1 ? " byte" : " bytes")
    }

    static func grouped(_ n: UInt64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    /// A JSON-ish rendering of a boolean that a metadata file gave.
    static func flag(_ b: Bool) -> String { b ? "true" : "false" }
}

extension Describe {
    /// The value of metadata key `key` as the file wrote it: a string's text, else its JSON.
    static func raw(_ metadata: IMSMetadata, _ key: String) -> String {
        guard let value = metadata[key] else { return "" }
        if case let .string(s) = value { return s }
        return value.serialized(indent: nil)
    }
}
