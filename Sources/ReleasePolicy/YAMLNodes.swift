import Yams

/// Facts about YAML nodes and errors that koopack's two YAML readers (policy profiles, release
/// files) describe alike when a value or the file is wrong: one wording for both.
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

    /// What a node is, for messages: `a list`, `the string "x"`, `the number 3`, `nothing (null)`.
    public static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar):
            if scalar.style == .plain {
                if node.null != nil { return "nothing (null)" }
                if isNumber(node, scalar) { return "the number \(scalar.string)" }
                if node.bool != nil { return "the boolean \(scalar.string)" }
            }
            return "the string \"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A YAML file that could not be read as YAML: where (line and column, nil when Yams gives
    /// none), the key concerned (a key written twice), and what is wrong.
    public struct Problem: Sendable, Equatable {
        public var line: Int?
        public var column: Int?
        public var key: String?
        public var message: String

        /// `line 3, column 5: ` when the place is known, else nothing: the prefix of a message.
        public var place: String {
            guard let line, let column else { return "" }
            return "line \(line), column \(column): "
        }
    }

    /// The problem Yams's `error` reports.
    public static func problem(_ error: YamlError) -> Problem {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let contextText = context.map { "\($0.text) " } ?? ""
            return Problem(line: mark.line, column: mark.column, key: nil, message: "YAML syntax error: \(contextText)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return Problem(line: context.mark.line, column: context.mark.column, key: duplicates.first,
                           message: "key \(keys) appears twice in one mapping")
        default:
            return Problem(line: nil, column: nil, key: nil, message: "YAML error: \(error)")
        }
    }
}
