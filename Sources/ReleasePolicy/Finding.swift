/// How much a finding matters: `error` blocks release, `warning` needs a human look, `note` informs.
/// Ordered so that `.error > .warning > .note`.
public enum Severity: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case note = 0
    case warning = 1
    case error = 2

    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

    /// The lower-case name, which is also SARIF's `level`.
    public var description: String {
        switch self {
        case .note: return "note"
        case .warning: return "warning"
        case .error: return "error"
        }
    }
}

/// One rule firing on one image: which rule, how bad, why (the evidence: the header facts or
/// metadata fields that fired it, as name/value pairs) and what to do about it.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    /// The stable rule ID, e.g. `KG101`.
    public var ruleID: String
    /// The rule's short name, e.g. `full-ecs-image`.
    public var ruleName: String
    public var severity: Severity
    /// One sentence saying what is wrong with this image.
    public var message: String
    /// The fields that fired the rule, e.g. `("__whole_image", "true")`, in the order checked.
    public var evidence: [(String, String)]
    /// What the seller can do, when there is something.
    public var remedy: String?

    public init(ruleID: String, ruleName: String, severity: Severity, message: String,
                evidence: [(String, String)] = [], remedy: String? = nil) {
        self.ruleID = ruleID
        self.ruleName = ruleName
        self.severity = severity
        self.message = message
        self.evidence = evidence
        self.remedy = remedy
    }

    /// A finding of `rule`, taking its ID, name, severity and remedy from the catalogue.
    public init(_ rule: RuleDefinition, message: String, evidence: [(String, String)] = []) {
        self.init(ruleID: rule.id, ruleName: rule.name, severity: rule.severity, message: message,
                  evidence: evidence, remedy: rule.remedy)
    }

    public static func == (a: Finding, b: Finding) -> Bool {
        a.ruleID == b.ruleID && a.ruleName == b.ruleName && a.severity == b.severity
            && a.message == b.message && a.remedy == b.remedy
            && a.evidence.count == b.evidence.count
            && zip(a.evidence, b.evidence).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// The value of the evidence named `key`, when present.
    public func evidence(_ key: String) -> String? {
        evidence.first { $0.0 == key }?.1
    }

    /// `KG101 full-ecs-image (error): message`.
    public var description: String { "\(ruleID) \(ruleName) (\(severity)): \(message)" }

    /// Orders findings most severe first, then by rule ID: the order every report uses.
    public static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        return a.ruleID < b.ruleID
    }
}

/// Whether an image may be released, judged from its findings.
public enum Verdict: String, Sendable, CaseIterable {
    /// No errors and no warnings.
    case eligible
    /// No errors, but warnings a human should look at.
    case eligibleWithWarnings
    /// At least one error (or, when strict, a warning).
    case notEligible

    /// The verdict for `findings`. With `strict`, a warning fails the image as an error would.
    public init(findings: [Finding], strict: Bool = false) {
        let worst = findings.map(\.severity).max()
        switch worst {
        case .error?: self = .notEligible
        case .warning?: self = strict ? .notEligible : .eligibleWithWarnings
        case .note?, nil: self = .eligible
        }
    }

    /// Whether release may go ahead.
    public var isEligible: Bool { self != .notEligible }
}
