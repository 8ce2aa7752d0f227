import DiskImage
import ReleasePolicy
import Yams

extension Release {
    /// The largest `release.yaml` read: a release description is a few KiB of text.
    public static let maximumYAMLBytes = 1 << 20
    /// The most items any list (highlights, customer cases, keywords, regions, software) may hold.
    public static let maximumListItems = 1_000
    /// The most specifications a release may have; the console offers far fewer.
    public static let maximumSpecifications = 100
    /// The most YAML nodes read; the walk stops (with an error) past it, so no file can make it long.
    public static let maximumNodes = 100_000

    /// The keys of the top-level mapping.
    public static let topLevelKeys = ["product", "pricing", "public", "seo", "documents", "specifications", "software"]

    /// Reads and validates the `release.yaml` at `path`; relative paths in it resolve against the
    /// file's folder. Throws a `ReleaseFileError` listing every problem with its key path and line.
    public static func load(path: String) throws -> Release {
        let bytes: [UInt8]
        do {
            let source = try FileByteSource(path: path)
            guard source.size <= UInt64(maximumYAMLBytes) else {
                throw ReleaseFileError(file: path, problems: [ReleaseProblem(key: "", line: 0,
                    message: "the file is \(source.size) bytes, more than the \(maximumYAMLBytes)-byte limit for a release description")])
            }
            bytes = try source.read(at: 0, count: Int(source.size))
        } catch let error as ImageError {
            throw ReleaseFileError(file: path, problems: [ReleaseProblem(key: "", line: 0, message: "cannot read the file: \(error.message)")])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReleaseFileError(file: path, problems: [ReleaseProblem(key: "", line: 0, message: "the file is not UTF-8 text")])
        }
        return try parse(yaml: text, file: path, baseDirectory: ReleasePaths.directory(of: path))
    }

    /// Parses the text of a `release.yaml` named `file` (used in messages); relative paths resolve
    /// against `baseDirectory`, and every named file must exist inside it. Every problem is
    /// collected and thrown together as a `ReleaseFileError`.
    public static func parse(yaml: String, file: String, baseDirectory: String) throws -> Release {
        var reader = ReleaseYAMLReader(root: "")
        guard yaml.utf8.count <= maximumYAMLBytes else {
            throw ReleaseFileError(file: file, problems: [ReleaseProblem(key: "", line: 0,
                message: "the file is \(yaml.utf8.count) bytes, more than the \(maximumYAMLBytes)-byte limit for a release description")])
        }
        guard let root = ReleasePaths.realPath(baseDirectory) else {
            throw ReleaseFileError(file: file, problems: [ReleaseProblem(key: "", line: 0,
                message: "the release folder \(baseDirectory) does not exist")])
        }
        reader = ReleaseYAMLReader(root: root)
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ReleaseFileError(file: file, problems: [ReleaseYAMLReader.problem(from: error)])
        } catch {
            throw ReleaseFileError(file: file, problems: [ReleaseProblem(key: "", line: 0, message: "YAML error: \(error)")])
        }
        guard let node else {
            throw ReleaseFileError(file: file, problems: [ReleaseProblem(key: "", line: 1,
                message: "the file is empty; expected a mapping with the keys \(topLevelKeys.joined(separator: ", "))")])
        }
        let release = reader.release(node, file: file)
        if let release, reader.problems.isEmpty { return release }
        let ordered = reader.problems.enumerated().sorted { a, b in
            a.element.line != b.element.line ? a.element.line < b.element.line : a.offset < b.offset
        }.map(\.element)
        throw ReleaseFileError(file: file, problems: ordered)
    }
}

/// Walks the composed YAML of a release, collecting every problem (with its key path and line)
/// instead of stopping at the first.
struct ReleaseYAMLReader {
    /// The real path of the release's folder.
    let root: String
    var problems: [ReleaseProblem] = []
    var nodesSeen = 0

    init(root: String) { self.root = root }

    static func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    static func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : parent + "." + key }

    static func problem(from error: YamlError) -> ReleaseProblem {
        let problem = YAMLNodes.problem(error)
        return ReleaseProblem(key: problem.key ?? "", line: problem.line ?? 0, message: problem.message)
    }

    mutating func report(_ key: String, _ line: Int, _ message: String) {
        problems.append(ReleaseProblem(key: key, line: line, message: message))
    }

    /// Counts a node against the walk's budget; false when the budget is spent. The walk only
    /// descends into the shapes the grammar expects, and Yams gives aliases as copies of their
    /// anchored node, so an alias-built tree is read no deeper than a written-out one.
    mutating func admit(_ node: Node, _ key: String) -> Bool {
        nodesSeen += 1
        if nodesSeen == Release.maximumNodes + 1 {
            report(key, Self.line(node), "the file has more than \(Release.maximumNodes) YAML nodes; reading stopped")
        }
        return nodesSeen <= Release.maximumNodes
    }

    /// Whether a node is a plain null (`~`, `null` or nothing at all).
    static func isNull(_ node: Node) -> Bool {
        if case let .scalar(s) = node, s.style == .plain, node.null != nil { return true }
        return false
    }

    /// The entries of a mapping by key name, reporting a non-mapping, non-string keys and keys
    /// not in `known`. Nil when the node is not a mapping.
    mutating func mapping(_ node: Node, _ key: String, known: [String], what: String) -> [String: (key: Node, value: Node)]? {
        guard admit(node, key) else { return nil }
        guard case let .mapping(mapping) = node else {
            report(key, Self.line(node), "expected \(what) (a mapping with the keys \(known.joined(separator: ", "))), found \(YAMLNodes.describe(node))")
            return nil
        }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (keyNode, value) in mapping {
            guard case let .scalar(keyScalar) = keyNode else {
                report(key, Self.line(keyNode), "expected a key name, found \(YAMLNodes.describe(keyNode))")
                continue
            }
            let name = keyScalar.string
            let path = Self.join(key, name)
            guard known.contains(name) else {
                report(path, Self.line(keyNode), "unknown key \"\(name)\" (known keys here: \(known.joined(separator: ", ")))")
                continue
            }
            entries[name] = (keyNode, value)
        }
        return entries
    }

    /// A text value: any scalar (numbers and booleans as written). Nil, reported when `required`,
    /// when absent or null; nil and reported when not a scalar.
    mutating func text(_ entry: (key: Node, value: Node)?, _ key: String, parent: Node, required: Bool) -> String? {
        guard let entry, !Self.isNull(entry.value) else {
            if required { report(key, Self.line(entry?.key ?? parent), "required key is missing; expected text") }
            return nil
        }
        guard admit(entry.value, key) else { return nil }
        guard case let .scalar(scalar) = entry.value else {
            report(key, Self.line(entry.value), "expected text, found \(YAMLNodes.describe(entry.value))")
            return nil
        }
        return scalar.string
    }

    /// A list of text values; a single text is taken as a one-item list when `allowSingle`.
    mutating func textList(_ entry: (key: Node, value: Node)?, _ key: String, parent: Node, required: Bool,
                           allowSingle: Bool = false) -> [String]? {
        guard let entry, !Self.isNull(entry.value) else {
            if required { report(key, Self.line(entry?.key ?? parent), "required key is missing; expected a list of text") }
            return nil
        }
        guard admit(entry.value, key) else { return nil }
        if allowSingle, case let .scalar(scalar) = entry.value { return [scalar.string] }
        guard case let .sequence(sequence) = entry.value else {
            report(key, Self.line(entry.value), "expected a list of text, found \(YAMLNodes.describe(entry.value))")
            return nil
        }
        guard sequence.count <= Release.maximumListItems else {
            report(key, Self.line(entry.value), "the list has \(sequence.count) items, more than the limit of \(Release.maximumListItems)")
            return nil
        }
        var items: [String] = []
        for (index, item) in sequence.enumerated() {
            let itemKey = "\(key)[\(index)]"
            guard admit(item, itemKey) else { continue }
            guard case let .scalar(scalar) = item, !Self.isNull(item) else {
                report(itemKey, Self.line(item), "expected text, found \(YAMLNodes.describe(item))")
                continue
            }
            items.append(scalar.string)
        }
        return items
    }

    /// A yes/no value: the plain scalars `yes`, `no`, `true`, `false` (any case).
    mutating func flag(_ entry: (key: Node, value: Node)?, _ key: String, parent: Node) -> Bool? {
        guard let entry, !Self.isNull(entry.value) else {
            report(key, Self.line(entry?.key ?? parent), "required key is missing; expected yes or no")
            return nil
        }
        guard admit(entry.value, key) else { return nil }
        if case let .scalar(scalar) = entry.value, scalar.style == .plain {
            switch scalar.string.lowercased() {
            case "yes", "true": return true
            case "no", "false": return false
            default: break
            }
        }
        report(key, Self.line(entry.value), "expected yes or no, found \(YAMLNodes.describe(entry.value))")
        return nil
    }

    /// One of an enumeration's raw values.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ entry: (key: Node, value: Node)?, _ key: String,
                                                             parent: Node, as type: E.Type) -> E? where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue).joined(separator: " or ")
        guard let entry, !Self.isNull(entry.value) else {
            report(key, Self.line(entry?.key ?? parent), "required key is missing; expected \(allowed)")
            return nil
        }
        guard admit(entry.value, key) else { return nil }
        guard case let .scalar(scalar) = entry.value, let value = E(rawValue: scalar.string.lowercased()) else {
            report(key, Self.line(entry.value), "expected \(allowed), found \(YAMLNodes.describe(entry.value))")
            return nil
        }
        return value
    }

    /// A path to an existing regular file inside the release's folder.
    mutating func file(_ entry: (key: Node, value: Node)?, _ key: String, parent: Node, required: Bool) -> ReleaseFile? {
        guard let written = text(entry, key, parent: parent, required: required), let entry else { return nil }
        return resolve(written, key, line: Self.line(entry.value))
    }

    mutating func resolve(_ written: String, _ key: String, line: Int) -> ReleaseFile? {
        switch ReleasePaths.resolve(written, in: root) {
        case let .success(real):
            return ReleaseFile(path: real, written: written, key: key, line: line)
        case let .failure(refusal):
            let reason: String
            switch refusal {
            case .empty: reason = "the path is empty"
            case .climbsOut: reason = "the path \(written) leaves the release's folder through \"..\""
            case .absoluteOutside: reason = "the path \(written) is outside the release's folder \(root)"
            case let .symlinkOutside(real): reason = "the path \(written) leaves the release's folder through a symbolic link (it resolves to \(real))"
            case .missing: reason = "the file \(written) does not exist (looked for it in \(root))"
            case .notRegularFile: reason = "\(written) is not a regular file"
            }
            report(key, line, reason)
            return nil
        }
    }
}
