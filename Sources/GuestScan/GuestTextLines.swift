/// The lines of a small text file from the guest (a config, a profile, a table), numbered from 1
/// as an editor shows them, for the line-oriented parsers of the deeper scan. Reading stops at
/// `maxBytes` and `maxLines`, so no file makes a parser loop or allocate without end; invalid
/// UTF-8 is repaired, never trusted.
struct GuestTextLines: Sequence {
    /// Largest text any of these parsers reads: real configs and profiles are a few KiB.
    static let maxBytes = 1 << 20
    /// Most lines read from one file.
    static let maxLines = 50_000

    /// One line: its number (from 1) and its text without the line break.
    struct Line {
        var number: Int
        var text: Substring

        /// The text without leading and trailing blanks (spaces, tabs, carriage returns).
        var trimmed: Substring { text.trimmingBlanks }

        /// Whether the line, once trimmed, is empty or starts with one of `markers`.
        func isBlankOrComment(_ markers: Set<Character> = ["#"]) -> Bool {
            guard let first = trimmed.first else { return true }
            return markers.contains(first)
        }
    }

    let lines: [Line]

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.prefix(Self.maxBytes), as: UTF8.self)
        var lines: [Line] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            guard number <= Self.maxLines else { break }
            lines.append(Line(number: number, text: raw.hasSuffix("\r") ? raw.dropLast() : raw))
        }
        self.lines = lines
    }

    func makeIterator() -> IndexingIterator<[Line]> { lines.makeIterator() }

    /// The lines with backslash-newline continuations joined (as udev rules and shell read
    /// them), each joined line numbered by its first physical line.
    func joiningContinuations() -> [Line] {
        var joined: [Line] = []
        // The line being continued: its first number and its text so far (appended to, so a
        // run of thousands of continued lines costs their length, not its square).
        var pending: (number: Int, text: String)?
        for line in lines {
            let continues = line.text.hasSuffix("\\")
            let part = continues ? line.text.dropLast() : line.text
            if pending == nil, !continues {
                joined.append(line)
                continue
            }
            var current = pending ?? (line.number, "")
            current.text += part
            if continues {
                pending = current
            } else {
                joined.append(Line(number: current.number, text: Substring(current.text)))
                pending = nil
            }
        }
        if let pending { joined.append(Line(number: pending.number, text: Substring(pending.text))) }
        return joined
    }
}

extension Substring {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    var trimmingBlanks: Substring {
        var slice = self
        while let c = slice.first, c == " " || c == "\t" || c == "\r" { slice.removeFirst() }
        while let c = slice.last, c == " " || c == "\t" || c == "\r" { slice.removeLast() }
        return slice
    }

    /// The whitespace-separated words of the text.
    var words: [Substring] {
        split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
    }
}
