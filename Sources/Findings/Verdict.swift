/// Whether an image may be released, judged from its findings.
public enum Verdict: String, Sendable, CaseIterable {
    /// No errors and no warnings.
    case eligible
    /// No errors, but warnings a human should look at.
    case eligibleWithWarnings
    /// Nothing could be judged: the image is known only by its ID (KG122). Never "eligible";
    /// a warning, so it stops nothing unless strict.
    case unchecked
    /// At least one error (or, when strict, a warning).
    case notEligible

    /// The verdict for `findings`. With `strict`, a warning fails the image as an error would.
    /// A KG122 (metadata-missing) finding among warnings makes it `unchecked`.
    public init(findings: [Finding], strict: Bool = false) {
        let worst = findings.map(\.severity).max()
        switch worst {
        case .error?: self = .notEligible
        case .warning?:
            if strict { self = .notEligible }
            else if findings.contains(where: { $0.ruleID == .metadataMissing }) { self = .unchecked }
            else { self = .eligibleWithWarnings }
        case .note?, nil: self = .eligible
        }
    }

    /// Whether release may go ahead: anything but `notEligible` (an unchecked image, like one
    /// with warnings, does not stop a bundle; `--strict` makes both fail).
    public var isEligible: Bool { self != .notEligible }

    /// How reports write it: `eligible`, `eligible with warnings`, `unchecked`, `not eligible`.
    public var text: String {
        switch self {
        case .eligible: return "eligible"
        case .eligibleWithWarnings: return "eligible with warnings"
        case .unchecked: return "unchecked"
        case .notEligible: return "not eligible"
        }
    }
}
