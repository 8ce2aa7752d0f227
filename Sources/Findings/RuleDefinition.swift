/// A rule's identity and documentation: what reports, and SARIF's `tool.driver.rules`, say
/// about it.
public struct RuleDefinition: Sendable, Equatable {
    /// The stable ID, e.g. `KG101`.
    public let id: RuleID
    /// The short name (its title in reports), e.g. `full-ecs-image`.
    public let name: String
    /// The severity of every finding the rule makes (a finding may lower it to a warning when
    /// koopack could not tell, see `Finding.init(ruleID:severity:...)`).
    public let severity: Severity
    /// One line: what the rule guards against (SARIF's `shortDescription`).
    public let summary: String
    /// When the rule fires, in full (SARIF's `fullDescription`).
    public let detail: String
    /// What the seller can do about a finding, when there is something (SARIF's `help`).
    public let remedy: String?

    public init(id: RuleID, name: String, severity: Severity, summary: String, detail: String, remedy: String?) {
        self.id = id
        self.name = name
        self.severity = severity
        self.summary = summary
        self.detail = detail
        self.remedy = remedy
    }
}
