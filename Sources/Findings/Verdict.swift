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
