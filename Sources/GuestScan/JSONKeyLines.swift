import DiskImage

/// The JSON side of the credential parsers: a bounded parse with the project's JSON parser, and
/// the line of every object key, which the parser does not keep. Keys are found by a small
/// scan that tracks strings, so a key-like text inside a string value is never taken for a key.
struct JSONKeyLines {
    /// Largest JSON config read: KooCLI's and docker's configs are a few KiB.
    static let maxBytes = 1 << 20
    /// Most keys whose lines are remembered.
    static let maxKeys = 100_000

    /// Raw key text (between the quotes, escapes left as written) → the lines it appears on as a
    /// key, in document order.
    private var lines: [String: [Int]] = [:]
    /// How many times each key has been met by `line(of:)`.
    private var used: [String: Int] = [:]

    /// Parses `bytes` as JSON (nil when it is not JSON, or larger than `maxBytes`).
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        guard bytes.count <= maxBytes else { return nil }
        return try? JSONParser.parse(bytes, maximumInputBytes: maxBytes)
    }

    init(_ bytes: [UInt8]) {
        var line = 1
        var i = 0
        var keys = 0
        let count = min(bytes.count, Self.maxBytes)
        while i < count, keys < Self.maxKeys {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\n") { line += 1 }
            guard byte == UInt8(ascii: "\"") else { i += 1; continue }
            let start = i + 1
            let startLine = line
            var j = start
            while j < count, bytes[j] != UInt8(ascii: "\"") {
                if bytes[j] == UInt8(ascii: "\\") { j += 1 }
                if j < count, bytes[j] == UInt8(ascii: "\n") { line += 1 }
                j += 1
            }
            guard j < count else { break }
            let text = String(decoding: bytes[start..<j], as: UTF8.self)
            var k = j + 1
            while k < count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[k]) {
                if bytes[k] == UInt8(ascii: "\n") { line += 1 }
                k += 1
            }
            if k < count, bytes[k] == UInt8(ascii: ":") {
                lines[text, default: []].append(startLine)
                keys += 1
            }
            i = k
        }
    }

    /// The line of the next occurrence of key `name` in document order. Call it once for every
    /// member named `name`, in the order the parsed value holds them, so the n-th call gets the
    /// n-th occurrence; nil when the key was written with escapes or past the limits.
    mutating func line(of name: String) -> Int? {
        let index = used[name, default: 0]
        used[name] = index + 1
        guard let found = lines[name], index < found.count else { return nil }
        return found[index]
    }
}

extension JSONKeyLines {
    /// The credentials of a JSON config at `path`: one hit per object member that `secret`
    /// names (given the keys above it and its key: the kind and the name to report) and whose
    /// value is a literal string; none when the text is not JSON.
    static func credentials(in bytes: [UInt8], path: String,
                            secret: (_ ancestors: [DocumentPath.Step], _ key: String) -> (kind: CredentialHit.Kind, name: String)?) -> [CredentialHit] {
        guard let json = parse(bytes) else { return [] }
        var lines = JSONKeyLines(bytes)
        var hits: [CredentialHit] = []
        JSONWalk.members(of: json) { ancestors, key, value in
            let line = lines.line(of: key)
            guard let (kind, name) = secret(ancestors, key), let text = value.stringValue,
                  SecretValue.isLiteral(Substring(text)) else { return }
            hits.append(CredentialHit(path: path, line: line, key: name, kind: kind))
        }
        return hits
    }
}

/// A depth-first walk of a parsed JSON value in document order, handing every object member to
/// `visit` with the keys and array indices above it and its key. Bounded by `maxMembers`.
enum JSONWalk {
    /// Most values visited in one document.
    static let maxMembers = 100_000

    static func members(of value: JSONValue, visit: (_ ancestors: [DocumentPath.Step], _ key: String, _ value: JSONValue) -> Void) {
        DocumentPath.walk(value, budget: maxMembers, children: { value in
            switch value {
            case let .object(members): .entries(members.map { (key: $0.0, keyNode: $0.1, value: $0.1) })
            case let .array(elements): .elements(elements)
            default: .none
            }
        }, visit: { ancestors, key, _, value in visit(ancestors, key, value) })
    }
}

/// A path into a parsed document (JSON or YAML), as reports name a key: `profiles[0].secretAccessKey`.
enum DocumentPath {
    /// One step: an object (mapping) key or an array (sequence) index.
    enum Step: Equatable {
        case key(String)
        case index(Int)
    }

    /// The text of `ancestors` followed by `key`.
    static func text(_ ancestors: [Step], _ key: String) -> String {
        var text = ""
        for step in ancestors + [.key(key)] {
            switch step {
            case let .key(name): text += (text.isEmpty ? "" : ".") + name
            case let .index(index): text += "[\(index)]"
            }
        }
        return text
    }

    /// What a document node holds, for `walk`: a mapping's entries (each key's text, the key's
    /// own node, which carries its line in YAML, and the value), a sequence's elements, or
    /// nothing (a scalar, or a key that is not text).
    enum Children<Node> {
        case entries([(key: String, keyNode: Node, value: Node)])
        case elements([Node])
        case none
    }

    /// Visits every mapping entry below `root`, depth first in document order, with the keys
    /// and indices above it; stops after `budget` nodes (YAML aliases repeat whole subtrees).
    static func walk<Node>(_ root: Node, budget: Int, children: (Node) -> Children<Node>,
                           visit: (_ ancestors: [Step], _ key: String, _ keyNode: Node, _ value: Node) -> Void) {
        var budget = budget
        var ancestors: [Step] = []
        func walk(_ node: Node) {
            guard budget > 0 else { return }
            budget -= 1
            switch children(node) {
            case let .entries(entries):
                for entry in entries where budget > 0 {
                    visit(ancestors, entry.key, entry.keyNode, entry.value)
                    ancestors.append(.key(entry.key))
                    walk(entry.value)
                    ancestors.removeLast()
                }
            case let .elements(elements):
                for (index, element) in elements.enumerated() where budget > 0 {
                    ancestors.append(.index(index))
                    walk(element)
                    ancestors.removeLast()
                }
            case .none:
                break
            }
        }
        walk(root)
    }
}
