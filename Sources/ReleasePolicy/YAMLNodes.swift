import Yams

/// Facts about YAML nodes that koopack's two YAML readers (policy profiles, release files)
/// need alike when they describe a wrong value.
public enum YAMLNodes {
    /// Whether a plain scalar reads as a YAML number. A base-60 integer (`1:30:00`, YAML 1.1) is
    /// judged here by its digits: Yams's own `int` traps when one overflows `Int`.
    public static func isNumber(_ node: Node, _ scalar: Node.Scalar) -> Bool {
        let text = scalar.string
        guard text.contains(":") else { return node.int != nil || node.float != nil }
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ":", omittingEmptySubsequences: false)
        let digits = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") } }
        return digits || node.float != nil
    }
}
