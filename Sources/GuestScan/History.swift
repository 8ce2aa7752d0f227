import Findings

/// Shell and tool histories left in homes (KG406): they tell every buyer what the seller typed,
/// passwords and tokens included.
enum History {
    /// The history files KooGallery's scan looks for.
    static let names = [".bash_history", ".zsh_history", ".ash_history", ".python_history", ".mysql_history", ".viminfo"]

    /// KG406: one finding per non-empty history file in a home (a zero-byte file is fine).
    static func findings(homes: [GuestHome], reader: GuestFileReader) -> [Finding] {
        var findings: [Finding] = []
        for home in homes {
            for name in names {
                let path = GuestFileReader.join(home.path, name)
                guard let node = reader.lstat(path), node.type == .regular, node.size > 0 else { continue }
                findings.append(Finding(.shellHistoryLeft,
                                        message: "\(path) (\(node.size) bytes) was left in the home of \(home.accounts.joined(separator: ", "))",
                                        evidence: [("file", path), ("bytes", String(node.size))]))
            }
        }
        return findings
    }
}
