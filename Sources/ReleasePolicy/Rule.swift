import Findings
import ImagePackage

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

    /// The rule `id`, defined in the catalogue, whose `check` is given the definition (to make
    /// findings with) and the input.
    public init(_ id: RuleID, check: @escaping @Sendable (RuleDefinition, RuleInput) -> [Finding]) {
        self.definition = id.definition
        self.check = check
    }

    public var id: RuleID { definition.id }

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
    /// that collects the fields that fire it and reports them together. The message is made
    /// only for a finding: most rules do not fire on most images of an account.
    func finding(_ message: @autoclosure () -> String, _ evidence: [(String, String)]) -> [Finding] {
        evidence.isEmpty ? [] : [Finding(self, message: message(), evidence: evidence)]
    }
}

/// The KG1xx image rules, one static value each, defined by family in `Rules/`.
public enum Rules {}

/// Formatting shared by rule messages.
enum Describe {
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
