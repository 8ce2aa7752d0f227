import Findings

/// KG201: a EULA still holding template placeholders, or that is not a document at all.
///
/// Placeholders, each found on one line:
/// - `[...]` with at least two letters inside, unless it is a Markdown link (`[text](url)`,
///   `[text][ref]`, `[ref]: url`); so `[Company]` fires, while footnotes `[1]` and check boxes
///   `[ ]`, `[x]` do not;
/// - `<...>` with a letter inside, unless it is an HTML tag (`<br>`, `</p>`, one with attributes),
///   an autolink (`<https://…>`, `<a@b.com>`) or a comment;
/// - `{{...}}`, always;
/// - three or more underscores (a blank to fill in), except on a line made only of underscores
///   (a Markdown rule);
/// - the words `XXX` (or longer runs of capital X) and `TBD`, in capitals, as whole words, so
///   `TBDX` does not fire.
extension DocumentChecks {
    /// The most placeholder lines reported one by one; the rest are counted in one more finding.
    public static let maximumPlaceholderFindings = 20
    /// The longest bracketed text taken as one placeholder; longer spans are prose.
    static let maximumPlaceholderLength = 80

    /// KG201 on the EULA file and its text (nil when the release names none).
    public static func eula(_ document: (file: ReleaseFile, text: DocumentText)?) -> [Finding] {
        let definition = RuleID.eulaUnfilled.definition
        guard let (file, text) = document else {
            return [Finding(definition, message: "the release has no EULA (documents.eula).", evidence: [("documents.eula", "not given")])]
        }
        switch text {
        case let .notADocument(reason):
            return [Finding(definition, message: "the EULA \(file.written) is not a text document: \(reason).",
                            evidence: [("file", file.written), ("reason", reason)])]
        case let .noText(reason):
            return [readByHand(.eulaUnfilled, file, what: "the EULA", reason: reason)]
        case let .text(body):
            var findings: [Finding] = []
            var more = 0
            for (index, line) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let found = placeholders(in: String(line))
                guard let first = found.first else { continue }
                guard findings.count < maximumPlaceholderFindings else { more += 1; continue }
                let lineText = String(line).trimmedText
                findings.append(Finding(definition,
                    message: "the EULA \(file.written) has the placeholder \(first) on line \(index + 1): \(lineText)",
                    evidence: [("file", file.written), ("line", String(index + 1)),
                               ("placeholder", found.joined(separator: " ")), ("text", lineText)]))
            }
            if more > 0 {
                findings.append(Finding(definition, message: "the EULA \(file.written) has placeholders on \(more) more lines.",
                                        evidence: [("file", file.written), ("more lines", String(more))]))
            }
            return findings
        }
    }

    /// The placeholders on one line of text, in order.
    public static func placeholders(in line: String) -> [String] {
        let chars = Array(line)
        var found: [String] = []
        let onlyUnderscores = !chars.isEmpty && chars.allSatisfy { $0 == "_" || $0 == " " || $0 == "\t" }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "{", i + 1 < chars.count, chars[i + 1] == "{", let close = find("}}", in: chars, from: i + 2) {
                found.append(String(chars[i..<(close + 2)]))
                i = close + 2
                continue
            }
            if c == "[", let close = chars[(i + 1)...].prefix(maximumPlaceholderLength + 1).firstIndex(of: "]") {
                let inside = chars[(i + 1)..<close]
                let next = close + 1 < chars.count ? chars[close + 1] : " "
                let isLink = next == "(" || next == "[" || next == ":"
                if !isLink, inside.filter(\.isLetter).count >= 2 {
                    found.append(String(chars[i...close]))
                    i = close + 1
                    continue
                }
            }
            if c == "<", let close = chars[(i + 1)...].prefix(maximumPlaceholderLength + 1).firstIndex(of: ">") {
                let inside = String(chars[(i + 1)..<close])
                if inside.contains(where: \.isLetter), !isMarkup(inside) {
                    found.append("<" + inside + ">")
                    i = close + 1
                    continue
                }
            }
            if c == "_", !onlyUnderscores {
                var end = i
                while end < chars.count, chars[end] == "_" { end += 1 }
                if end - i >= 3 { found.append(String(chars[i..<end])) }
                i = end
                continue
            }
            if c.isLetter || c.isNumber {
                var end = i
                while end < chars.count, chars[end].isLetter || chars[end].isNumber || chars[end] == "_" { end += 1 }
                let word = String(chars[i..<end])
                if word == "TBD" || (word.count >= 3 && word.allSatisfy { $0 == "X" }) { found.append(word) }
                i = end
                continue
            }
            i += 1
        }
        return found
    }

    static func find(_ needle: String, in chars: [Character], from start: Int) -> Int? {
        let pattern = Array(needle)
        guard start <= chars.count - pattern.count else { return nil }
        for i in start...(chars.count - pattern.count) where chars[i..<(i + pattern.count)].elementsEqual(pattern) {
            return i
        }
        return nil
    }

    /// HTML tag names that Markdown EULAs use; `<br>` is markup, `<Company>` a placeholder.
    static let htmlTags: Set<String> = [
        "a", "b", "i", "u", "p", "br", "hr", "em", "strong", "div", "span", "ul", "ol", "li", "table", "thead",
        "tbody", "tr", "td", "th", "code", "pre", "sup", "sub", "h1", "h2", "h3", "h4", "h5", "h6", "img",
        "blockquote", "small", "center", "font", "section", "details", "summary", "dl", "dt", "dd",
    ]

    /// Whether `<inside>` is markup rather than a placeholder: an HTML tag, comment or
    /// declaration, an autolink (URL or email address).
    static func isMarkup(_ inside: String) -> Bool {
        if inside.hasPrefix("!") || inside.hasPrefix("?") || inside.contains("://") || inside.contains("@") { return true }
        var name = inside.hasPrefix("/") ? String(inside.dropFirst()) : inside
        if name.hasSuffix("/") { name = String(name.dropLast()) }
        let tag = name.prefix { !$0.isWhitespace }.lowercased()
        if htmlTags.contains(tag) { return true }
        return inside.contains("=\"") || inside.contains("='")
    }
}
