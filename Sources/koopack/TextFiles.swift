import DiskImage

/// Small text inputs given on the command line: policy profiles, lists of IDs.
enum TextFiles {
    /// Largest text file koopack reads whole from the command line.
    static let maxBytes = 16 << 20

    static func read(_ path: String) throws -> String {
        let source = try FileByteSource(path: path)
        guard source.size <= UInt64(maxBytes) else {
            throw ImageError(file: path, "is \(source.size) bytes, more than the \(maxBytes) bytes a text input may have")
        }
        return String(decoding: try source.read(at: 0, count: Int(source.size)), as: UTF8.self)
    }

    /// IDs one per line; blank lines and `#` comments are skipped.
    static func idList(_ path: String) throws -> Set<String> {
        var ids: Set<String> = []
        for line in try read(path).split(whereSeparator: \.isNewline) {
            let text = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let id = text.trimmingCharacters(in: " \t\r")
            if !id.isEmpty { ids.insert(id) }
        }
        return ids
    }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set`.
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        var slice = Substring(self)
        while let first = slice.first, drop.contains(first) { slice.removeFirst() }
        while let last = slice.last, drop.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
