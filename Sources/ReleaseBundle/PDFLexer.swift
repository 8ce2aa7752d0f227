/// A value of PDF's object syntax, as far as text extraction needs it.
indirect enum PDFValue: Sendable, Equatable {
    case number(Double)
    case string([UInt8])
    case name(String)
    case array([PDFValue])
    case dictionary([String: PDFValue])
    case reference(Int, Int)
    /// A bare keyword: `true`, `null`, or a content stream operator such as `Tj`.
    case keyword(String)

    subscript(key: String) -> PDFValue? {
        if case let .dictionary(entries) = self { return entries[key] }
        return nil
    }

    var nameValue: String? { if case let .name(n) = self { return n } else { return nil } }
    var intValue: Int? {
        if case let .number(d) = self, d >= 0, d < 1e15, d == d.rounded() { return Int(d) }
        return nil
    }
}

/// Reads PDF tokens and values from bytes (object bodies and content streams). Every step
/// consumes at least one byte, so a walk over `n` bytes takes at most `n` steps.
struct PDFLexer {
    /// The deepest nesting of arrays and dictionaries read; deeper input is cut off, not recursed into.
    static let maximumDepth = 32
    /// The most items kept in one array or dictionary.
    static let maximumItems = 100_000

    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = max(0, min(start, bytes.count))
        self.end = max(self.position, min(end ?? bytes.count, bytes.count))
    }

    static func isWhite(_ b: UInt8) -> Bool { b == 0 || b == 9 || b == 10 || b == 12 || b == 13 || b == 32 }
    static func isDelimiter(_ b: UInt8) -> Bool {
        b == 0x28 || b == 0x29 || b == 0x3C || b == 0x3E || b == 0x5B || b == 0x5D || b == 0x7B || b == 0x7D || b == 0x2F || b == 0x25
    }

    var atEnd: Bool { position >= end }

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = position + offset
        return i < end ? bytes[i] : nil
    }

    mutating func skipWhiteAndComments() {
        while let b = peek() {
            if Self.isWhite(b) { position += 1; continue }
            if b == 0x25 { // % comment to the end of the line
                while let c = peek(), c != 10, c != 13 { position += 1 }
                continue
            }
            break
        }
    }

    /// A run of regular characters (a number or keyword), from the current position.
    mutating func regularRun() -> [UInt8] {
        let start = position
        while let b = peek(), !Self.isWhite(b), !Self.isDelimiter(b) { position += 1 }
        return Array(bytes[start..<position])
    }

    /// The next value, or nil at the end. Unbalanced closers (`]`, `>>`, `)`, `}`) come back as
    /// keywords so a caller can see them.
    mutating func nextValue(depth: Int = 0) -> PDFValue? {
        skipWhiteAndComments()
        guard let b = peek() else { return nil }
        switch b {
        case 0x28: // (
            return .string(literalString())
        case 0x3C: // <
            if peek(1) == 0x3C {
                position += 2
                guard depth < Self.maximumDepth else { return .keyword("<<") }
                return dictionary(depth: depth + 1)
            }
            return .string(hexString())
        case 0x3E: // >
            position += peek(1) == 0x3E ? 2 : 1
            return .keyword(">>")
        case 0x5B: // [
            position += 1
            guard depth < Self.maximumDepth else { return .keyword("[") }
            return array(depth: depth + 1)
        case 0x5D:
            position += 1
            return .keyword("]")
        case 0x7B, 0x7D, 0x29:
            position += 1
            return .keyword(String(UnicodeScalar(b)))
        case 0x2F: // /
            position += 1
            return .name(nameText(regularRun()))
        default:
            let run = regularRun()
            if run.isEmpty { position += 1; return .keyword("") }
            let text = String(decoding: run, as: UTF8.self)
            if let number = Double(text), run.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B }) {
                return .number(number)
            }
            return .keyword(text)
        }
    }

    /// A name's text with `#xx` escapes decoded.
    func nameText(_ run: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < run.count {
            if run[i] == 0x23, i + 2 < run.count, let h = Self.hexDigit(run[i + 1]), let l = Self.hexDigit(run[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(run[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// A literal string `( ... )` with balanced parentheses and backslash escapes.
    mutating func literalString() -> [UInt8] {
        position += 1
        var out: [UInt8] = []
        var nesting = 1
        while let b = peek() {
            position += 1
            switch b {
            case 0x5C: // backslash
                guard let e = peek() else { return out }
                position += 1
                switch e {
                case 0x6E: out.append(10)
                case 0x72: out.append(13)
                case 0x74: out.append(9)
                case 0x62: out.append(8)
                case 0x66: out.append(12)
                case 0x0D: if peek() == 0x0A { position += 1 } // line continuation
                case 0x0A: break
                case 0x30...0x37:
                    var value = Int(e - 0x30)
                    for _ in 0..<2 {
                        guard let d = peek(), d >= 0x30, d <= 0x37 else { break }
                        value = value * 8 + Int(d - 0x30)
                        position += 1
                    }
                    out.append(UInt8(truncatingIfNeeded: value))
                default: out.append(e) // \( \) \\ and unknown escapes: the character itself
                }
            case 0x28:
                nesting += 1
                out.append(b)
            case 0x29:
                nesting -= 1
                if nesting == 0 { return out }
                out.append(b)
            default:
                out.append(b)
            }
        }
        return out
    }

    /// A hex string `< ... >`; an odd final digit counts as followed by 0.
    mutating func hexString() -> [UInt8] {
        position += 1
        var out: [UInt8] = []
        var high: UInt8?
        while let b = peek() {
            position += 1
            if b == 0x3E { break }
            guard let digit = Self.hexDigit(b) else { continue }
            if let h = high { out.append(h << 4 | digit); high = nil } else { high = digit }
        }
        if let h = high { out.append(h << 4) }
        return out
    }

    /// The items of an array after its `[`, folding `n g R` into references.
    mutating func array(depth: Int) -> PDFValue {
        var items: [PDFValue] = []
        while let value = nextValue(depth: depth) {
            if value == .keyword("]") { break }
            if items.count >= Self.maximumItems { continue }
            if value == .keyword("R"), items.count >= 2,
               let g = items[items.count - 1].intValue, let n = items[items.count - 2].intValue {
                items.removeLast(2)
                items.append(.reference(n, g))
                continue
            }
            items.append(value)
        }
        return .array(items)
    }

    /// The entries of a dictionary after its `<<`.
    mutating func dictionary(depth: Int) -> PDFValue {
        var entries: [String: PDFValue] = [:]
        var key: String?
        var pending: [PDFValue] = []
        func settle() {
            if let k = key, let v = pending.first, entries.count < Self.maximumItems { entries[k] = v }
        }
        while let value = nextValue(depth: depth) {
            if value == .keyword(">>") { break }
            if case let .name(n) = value, key == nil || !pending.isEmpty {
                settle()
                key = n
                pending = []
                continue
            }
            if value == .keyword("R"), pending.count >= 2, let g = pending[1].intValue, let n = pending[0].intValue {
                pending = [.reference(n, g)]
                continue
            }
            pending.append(value)
        }
        settle()
        return .dictionary(entries)
    }
}
