/// One rule firing on one image (or release, or upload plan): which rule, how bad, why (the
/// evidence: the header facts or metadata fields that fired it, as name/value pairs) and what to
/// do about it.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    /// The rule, e.g. `.fullECSImage` (`KG101`).
    public var ruleID: RuleID
    public var severity: Severity
    /// One sentence saying what is wrong.
    public var message: String
    /// The fields that fired the rule, e.g. `("__whole_image", "true")`, in the order checked.
    public var evidence: [(String, String)]
    /// What the seller can do, when there is something.
    public var remedy: String?

    /// A finding of `ruleID` with its severity and remedy given here rather than taken from the
    /// catalogue (a document that could not be read is a warning whatever its rule says).
    public init(ruleID: RuleID, severity: Severity, message: String,
                evidence: [(String, String)] = [], remedy: String? = nil) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.evidence = evidence
        self.remedy = remedy
    }

    /// A finding of `rule`, taking its severity and remedy from the definition.
    public init(_ rule: RuleDefinition, message: String, evidence: [(String, String)] = []) {
        self.init(ruleID: rule.id, severity: rule.severity, message: message, evidence: evidence, remedy: rule.remedy)
    }

    /// A finding of rule `id`, taking its severity and remedy from the catalogue.
    public init(_ id: RuleID, message: String, evidence: [(String, String)] = []) {
        self.init(id.definition, message: message, evidence: evidence)
    }

    /// The rule's short name, e.g. `full-ecs-image`.
    public var ruleName: String { ruleID.definition.name }

    public static func == (a: Finding, b: Finding) -> Bool {
        a.ruleID == b.ruleID && a.severity == b.severity
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

extension Sequence where Element == Finding {
    /// The findings in report order (most severe first, then by rule ID), keeping the order
    /// they were made in within one rule: a rule's several findings read as it found them.
    public func inReportOrder() -> [Finding] {
        enumerated().sorted { a, b in
            if Finding.reportOrder(a.element, b.element) { return true }
            if Finding.reportOrder(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }
}
