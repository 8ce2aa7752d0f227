import Findings
import DiskImage
import ReleasePolicy

/// The JSON koopack writes, shared by every command: one document on standard output, a
/// finding as an object, names in kebab case.
enum JSONOutput {
    /// Writes `value` on standard output, indented, with a final newline.
    static func write(_ value: JSONValue, indent: Int = 2) {
        Terminal.write(value.serialized(indent: indent) + "\n")
    }

    /// A finding: `rule`, `name`, `severity`, `message`, `evidence` (an object) and `remedy`.
    static func finding(_ f: Finding) -> JSONValue {
        .object([
            ("rule", .string(f.ruleID.rawValue)),
            ("name", .string(f.ruleName)),
            ("severity", .string(f.severity.description)),
            ("message", .string(f.message)),
            ("evidence", .object(f.evidence.map { ($0.0, .string($0.1)) })),
            ("remedy", f.remedy.map { .string($0) } ?? .null),
        ])
    }

    /// `systemDisk` → `system-disk`, `fullECS` → `full-ecs`.
    static func kebab(_ name: String) -> String {
        var out = ""
        let characters = Array(name)
        for (i, ch) in characters.enumerated() {
            if ch.isUppercase {
                let previousLower = i > 0 && characters[i - 1].isLowercase
                let nextLower = i + 1 < characters.count && characters[i + 1].isLowercase && i > 0 && characters[i - 1].isUppercase
                if previousLower || nextLower { out.append("-") }
                out.append(Character(ch.lowercased()))
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
