/// Collects the text that a PDF content stream shows: the strings of `Tj`, `TJ`, `'` and `"`
/// inside `BT`…`ET`, with a line break wherever the text moves to a new line (`Td`/`TD` with a
/// vertical move, `T*`, `Tm`, `'`, `"`, and between text blocks).
struct PDFTextBuilder {
    /// The most operands kept waiting for an operator; content streams use at most a handful.
    static let maximumOperands = 64
    /// A `TJ` adjustment more negative than this (thousandths of an em) is taken as a word space.
    static let wordSpaceAdjustment = -250.0

    private var lines: [String] = []
    private var line = ""
    private(set) var byteCount = 0

    /// Reads the operators of one decoded content stream.
    mutating func readContent(_ data: [UInt8]) {
        var lexer = PDFLexer(data)
        var operands: [PDFValue] = []
        var inText = false
        while let value = lexer.nextValue() {
            guard case let .keyword(op) = value else {
                if operands.count >= Self.maximumOperands { operands.removeFirst() }
                operands.append(value)
                continue
            }
            defer { operands.removeAll(keepingCapacity: true) }
            switch op {
            case "BT":
                inText = true
            case "ET":
                inText = false
                breakLine()
            case "BI":
                Self.skipInlineImage(&lexer)
            case "Tj" where inText:
                if case let .string(s)? = operands.last { show(s) }
            case "TJ" where inText:
                guard case let .array(items)? = operands.last else { break }
                for item in items {
                    switch item {
                    case let .string(s): show(s)
                    case let .number(n) where n < Self.wordSpaceAdjustment: space()
                    default: break
                    }
                }
            case "'" where inText, "\"" where inText:
                breakLine()
                if case let .string(s)? = operands.last { show(s) }
            case "Td" where inText, "TD" where inText:
                if operands.count >= 2, case let .number(ty) = operands[operands.count - 1], ty != 0 {
                    breakLine()
                } else {
                    space()
                }
            case "T*" where inText, "Tm" where inText:
                breakLine()
            default:
                break
            }
        }
    }

    /// Inline image data (`BI … ID data EI`) is binary: skip to the `EI` that ends it.
    static func skipInlineImage(_ lexer: inout PDFLexer) {
        while let b = lexer.peek() {
            lexer.position += 1
            if b == 0x45, lexer.peek() == 0x49, lexer.position >= 2, PDFLexer.isWhite(lexer.bytes[lexer.position - 2]),
               lexer.peek(1).map(PDFLexer.isWhite) ?? true {
                lexer.position += 1
                return
            }
        }
    }

    /// Appends a shown string. Simple fonts map one byte to one character; PDF's standard
    /// encodings agree with Latin-1 on the printable ASCII range, and koopack reads the rest as
    /// Latin-1. A string starting with a UTF-16BE byte-order mark is read as UTF-16.
    mutating func show(_ bytes: [UInt8]) {
        var text = ""
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF {
            var units: [UInt16] = []
            var i = 2
            while i + 1 < bytes.count { units.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])); i += 2 }
            text = String(decoding: units, as: UTF16.self)
        } else {
            for b in bytes where b >= 0x20 || b == 9 {
                text.unicodeScalars.append(UnicodeScalar(b))
            }
        }
        line += text
        byteCount += text.utf8.count
    }

    mutating func space() {
        if !line.isEmpty, line.last != " " { line += " " }
    }

    mutating func breakLine() {
        if !line.isEmpty {
            lines.append(line)
            line = ""
        }
    }

    /// Ends one stream: text never runs on from one stream into the next.
    mutating func endStream() { breakLine() }

    /// The text read, one line per text line, trailing spaces removed.
    mutating func finished() -> String {
        breakLine()
        return lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n")
    }
}
