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
