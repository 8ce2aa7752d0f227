import Yams

/// A bounded walk of a YAML document (kubeconfig, netplan) as Yams composes it, handing each
/// mapping entry to a visitor with its key path and line. Yams gives an alias as a copy of its
/// anchor's node, so a document of nested aliases could expand without end: the walk stops after
/// `maxNodes` nodes. Only scalars' text is read (never Yams's typed conversions, which trap on
/// some numbers).
enum YAMLWalk {
    /// Largest YAML file composed: kubeconfigs and netplan files are a few KiB.
    static let maxBytes = 1 << 20
    /// Most nodes visited in one document.
    static let maxNodes = 100_000

    typealias Step = DocumentPath.Step

    /// Deepest nesting of flow collections (`[`, `{`) accepted: the composer recurses once per
    /// level, and no config nests more than a few.
    static let maxFlowNesting = 256

    /// The composed document of `bytes`, nil when it is not YAML (or too large, or nested
    /// deeper than `maxFlowNesting` brackets, counted on the raw bytes, quotes or not).
    static func compose(_ bytes: [UInt8]) -> Node? {
        guard bytes.count <= maxBytes else { return nil }
        var depth = 0
        for byte in bytes {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                if depth > maxFlowNesting { return nil }
            } else if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && depth > 0 {
                depth -= 1
            }
        }
        return try? Yams.compose(yaml: String(decoding: bytes, as: UTF8.self))
    }

    /// Visits every mapping entry with a scalar key, depth first in document order.
    static func entries(of root: Node, visit: (_ ancestors: [Step], _ key: String, _ keyNode: Node, _ value: Node) -> Void) {
        DocumentPath.walk(root, budget: maxNodes, children: { node in
            switch node {
            case let .mapping(mapping):
                .entries(mapping.compactMap { keyNode, value in
                    guard case let .scalar(key) = keyNode else { return nil }
                    return (key: key.string, keyNode: keyNode, value: value)
                })
            case let .sequence(sequence): .elements(Array(sequence))
            default: .none
            }
        }, visit: visit)
    }

    /// The text of a scalar node, nil for mappings, sequences and aliases.
    static func scalar(_ node: Node) -> String? {
        if case let .scalar(scalar) = node { return scalar.string }
        return nil
    }

    /// The line a node starts on (from 1), nil when Yams kept no mark.
    static func line(_ node: Node) -> Int? {
        node.mark.map { $0.line }
    }
}
