import DiskImage

/// A value in LVM2's text metadata format.
public indirect enum LVMValue: Sendable, Equatable {
    case number(Int64)
    case string(String)
    case array([LVMValue])
    case section([(String, LVMValue)])

    public static func == (a: LVMValue, b: LVMValue) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.section(x), .section(y)): x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: false
        }
    }

    /// The value of `key` in a section, nil otherwise.
    public subscript(key: String) -> LVMValue? {
        guard case let .section(items) = self else { return nil }
        return items.first { $0.0 == key }?.1
    }

    /// The sub-sections of a section, in order.
    public var sections: [(String, LVMValue)] {
        guard case let .section(items) = self else { return [] }
        return items.filter { if case .section = $0.1 { true } else { false } }
    }

    public var number: Int64? { if case let .number(n) = self { n } else { nil } }
    public var string: String? { if case let .string(s) = self { s } else { nil } }
    public var array: [LVMValue]? { if case let .array(a) = self { a } else { nil } }
}

/// A bounded parser for LVM2's metadata text: `name { ... }` sections, `key = value` with
/// numbers, "strings" and `[ ... ]` arrays, and `#` comments.
public struct LVMMetadataParser {
    /// Deepest section nesting accepted (real metadata nests 4 deep).
    public static let maxDepth = 32
    /// Most values (keys, array elements) in one text: a real VG with hundreds of LVs has a
    /// few tens of thousands.
    public static let maxValues = 1_000_000
    /// Largest metadata text accepted (LVM's default metadata area is 1 MiB).
    public static let maxText = 16 << 20

    private let bytes: [UInt8]
    private var position = 0
    private var values = 0
    /// Where the text sits in its source, for messages.
    private let base: UInt64

    /// Parses `text` (read at offset `base`) into its top-level section.
    public static func parse(_ text: [UInt8], base: UInt64 = 0) throws -> LVMValue {
        guard text.count <= maxText else {
            throw ImageError(.limit, offset: base, "LVM metadata text of \(text.count) bytes is more than \(maxText)")
        }
        var parser = LVMMetadataParser(bytes: text, base: base)
        return .section(try parser.items(depth: 0))
    }

    private init(bytes: [UInt8], base: UInt64) {
        self.bytes = bytes
        self.base = base
    }

    private func fail(_ what: String) -> ImageError {
        let at = base + UInt64(position)
        return ImageError(.invalid, offset: at, "LVM metadata text at offset \(at): \(what)")
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            let c = bytes[position]
            if c == 0x23 {  // '#': comment to end of line
                while position < bytes.count, bytes[position] != 0x0a { position += 1 }
            } else if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d {
                position += 1
            } else {
                return
            }
        }
    }

    private func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
            || c == 0x5f || c == 0x2e || c == 0x2d || c == 0x2b
    }

    private mutating func counted() throws {
        values += 1
        guard values <= Self.maxValues else { throw fail("more than \(Self.maxValues) values") }
    }

    /// `key = value` and `name { ... }` items until `}` (depth > 0) or the end (depth 0).
    private mutating func items(depth: Int) throws -> [(String, LVMValue)] {
        guard depth <= Self.maxDepth else { throw fail("sections nest more than \(Self.maxDepth) deep") }
        var result: [(String, LVMValue)] = []
        while true {
            skipSpace()
            guard position < bytes.count else {
                if depth > 0 { throw fail("a section is not closed before the end") }
                return result
            }
            if bytes[position] == 0x7d {  // '}'
                guard depth > 0 else { throw fail("'}' without a section") }
                position += 1
                return result
            }
            if bytes[position] == 0 && depth == 0 { return result }  // NUL padding after the text
            let start = position
            while position < bytes.count, isNameByte(bytes[position]) { position += 1 }
            guard position > start else { throw fail("expected a name, found byte \(bytes[position])") }
            let name = String(decoding: bytes[start..<position], as: UTF8.self)
            try counted()
            skipSpace()
            guard position < bytes.count else { throw fail("\(name) has no value") }
            if bytes[position] == 0x7b {  // '{'
                position += 1
                result.append((name, .section(try items(depth: depth + 1))))
            } else if bytes[position] == 0x3d {  // '='
                position += 1
                result.append((name, try value(inArray: false)))
            } else {
                throw fail("expected '=' or '{' after \(name)")
            }
        }
    }

    private mutating func value(inArray: Bool) throws -> LVMValue {
        skipSpace()
        guard position < bytes.count else { throw fail("a value is missing at the end") }
        let c = bytes[position]
        if c == 0x22 { return .string(try string()) }
        if c == 0x5b && !inArray {  // '['
            position += 1
            var elements: [LVMValue] = []
            while true {
                skipSpace()
                guard position < bytes.count else { throw fail("an array is not closed") }
                if bytes[position] == 0x5d { position += 1; return .array(elements) }
                try counted()
                elements.append(try value(inArray: true))
                skipSpace()
                if position < bytes.count, bytes[position] == 0x2c { position += 1 }
            }
        }
        if c == 0x2d || (c >= 0x30 && c <= 0x39) { return .number(try number()) }
        throw fail("unexpected byte \(c) where a value belongs")
    }

    private mutating func string() throws -> String {
        position += 1
        var raw: [UInt8] = []
        while position < bytes.count {
            let c = bytes[position]
            position += 1
            if c == 0x22 { return String(decoding: raw, as: UTF8.self) }
            if c == 0x5c, position < bytes.count {  // backslash escapes the next byte
                raw.append(bytes[position])
                position += 1
                continue
            }
            raw.append(c)
        }
        throw fail("a string is not closed")
    }

    private mutating func number() throws -> Int64 {
        let negative = bytes[position] == 0x2d
        if negative { position += 1 }
        var value: Int64 = 0
        var digits = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(bytes[position] - 0x30))
            guard !o1, !o2 else { throw fail("a number overflows 64 bits") }
            value = a
            digits += 1
            position += 1
        }
        // LVM writes a few floats (e.g. `version = 1.0` never, but tolerate "1.5"): keep the
        // integer part and skip the fraction.
        if position < bytes.count, bytes[position] == 0x2e {
            position += 1
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
        }
        guard digits > 0 else { throw fail("a number has no digits") }
        return negative ? -value : value
    }
}
