#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict, bounded JSON parser (RFC 8259) from UTF-8 bytes to `JSONValue`, keeping the order of
/// object members. koopack reads metadata sidecars written by other tools and by hand, so every
/// limit is explicit and every error names the line and column it happened at.
///
/// Numbers without a fraction or exponent become `.int` when they fit in `Int64`, `.uint` when
/// they fit in `UInt64`, and `.double` otherwise. A leading UTF-8 byte order mark is skipped.
/// Duplicate keys in one object are refused: a metadata file that says two things about one field
/// cannot be judged.
public enum JSONParser {
    /// The deepest nesting of arrays and objects accepted. IMS metadata nests two or three levels;
    /// the cap keeps a hostile `[[[[...` from exhausting the stack through recursion.
    public static let maximumNestingDepth = 64

    /// The longest string (in UTF-8 bytes, after unescaping) accepted. IMS fields are short (IDs,
    /// names, URLs); one MiB leaves room for long descriptions while bounding memory per value.
    public static let maximumStringBytes = 1 << 20

    /// The longest number literal (in characters) accepted. No meaningful JSON number needs more;
    /// the cap stops a megabyte of digits from reaching the floating-point conversion.
    public static let maximumNumberLength = 512

    /// Parses `bytes` as one JSON document. `maximumInputBytes` is the caller's cap on the input
    /// (documents larger than that are refused before any parsing).
    public static func parse(_ bytes: [UInt8], maximumInputBytes: Int) throws -> JSONValue {
        guard bytes.count <= maximumInputBytes else {
            throw ImageError(.limit, "JSON document is \(bytes.count) bytes, more than the limit of \(maximumInputBytes)")
        }
        var reader = JSONReader(bytes: bytes)
        reader.skipByteOrderMark()
        reader.skipWhitespace()
        guard !reader.atEnd else { throw reader.error("expected a JSON value, found the end of the input") }
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        guard reader.atEnd else {
            throw reader.error("unexpected \(reader.describeCurrent()) after the JSON value")
        }
        return value
    }

    /// Parses the UTF-8 of `text` as one JSON document.
    public static func parse(_ text: String, maximumInputBytes: Int) throws -> JSONValue {
        try parse(Array(text.utf8), maximumInputBytes: maximumInputBytes)
    }
}

/// The cursor over the input bytes. Line and column are computed only when an error is reported.
struct JSONReader {
    let bytes: [UInt8]
    var index = 0
    /// Keys met before that were too long for a small string, by digest (`parseKey`); empty
    /// until the first.
    var keyCache: [CachedKey?] = []

    /// How many members the last object read had (at most `maximumReservedMembers`).
    var lastObjectMembers = 0

    /// The most members reserved for an object before it is read.
    static let maximumReservedMembers = 256

    /// A key of the document and where its first occurrence's text is in the input.
    struct CachedKey {
        var digest: UInt64
        var offset: Int
        var length: Int
        var key: String
    }

    /// How many keys `keyCache` holds: a list of images repeats a few dozen keys.
    static let keyCacheSlots = 256

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// An error at `position` (default: the cursor), naming its line and column. Columns count
    /// characters (Unicode scalars), both from 1.
    func error(_ message: String, at position: Int? = nil) -> ImageError {
        let target = min(position ?? index, bytes.count)
        var line = 1
        var column = 1
        var i = 0
        while i < target {
            let byte = bytes[i]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return ImageError(.invalid, offset: UInt64(target), "line \(line), column \(column): \(message)")
    }

    /// The byte under the cursor, described for an error message.
    func describeCurrent() -> String {
        guard let byte = current else { return "end of the input" }
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" + hex : hex)
    }

    mutating func skipByteOrderMark() {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { index = 3 }
    }

    mutating func skipWhitespace() {
        index = bytes.withUnsafeBufferPointer { buffer in
            var position = index
            while position < buffer.count {
                let byte = buffer[position]
                guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { break }
                position += 1
            }
            return position
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard let byte = current else { throw error("expected a JSON value, found the end of the input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("expected a JSON value, found \(describeCurrent())")
        }
    }

    mutating func expectLiteral(_ word: String) throws {
        let start = index
        for expected in word.utf8 {
            guard current == expected else {
                throw error("invalid literal, expected '\(word)'", at: start)
            }
            index += 1
        }
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maximumNestingDepth else {
            throw error("nesting deeper than \(JSONParser.maximumNestingDepth) levels")
        }
        index += 1  // '{'
        var members: [(String, JSONValue)] = []
        // Room for as many members as the last object had: a list's objects are alike, and
        // growing each one's array from empty reallocated it six times for 37 keys.
        members.reserveCapacity(lastObjectMembers)
        // Duplicate keys are found by comparing a 64-bit digest of each key with those of the
        // members so far, and the keys themselves only when two digests agree: hashing every key
        // of every object into a set (SipHash, and a set per object) cost more than the rest of
        // the parse. Past `largeObjectMembers` members a set takes over, so a hostile object of
        // a million keys is not quadratic.
        var digests: [UInt64] = []
        var seen: Set<String>?
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else {
                throw error("expected a string key, found \(describeCurrent())")
            }
            let keyStart = index
            let (key, digest) = try parseKey()
            let duplicate: Bool
            if var set = seen {
                seen = nil  // keeps the set uniquely referenced while it grows
                duplicate = !set.insert(key).inserted
                seen = set
            } else if members.count >= Self.largeObjectMembers {
                var set = Set(members.lazy.map(\.0))
                duplicate = !set.insert(key).inserted
                seen = set
            } else {
                let anyKey = JSONReader.nonASCIIDigest
                duplicate = digests.indices.contains {
                    (digests[$0] == digest || digests[$0] == anyKey || digest == anyKey) && members[$0].0 == key
                }
                digests.append(digest)
            }
            guard !duplicate else {
                throw error("duplicate key \"\(key)\" in one object", at: keyStart)
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else {
                throw error("expected ':' after key \"\(key)\", found \(describeCurrent())")
            }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                lastObjectMembers = min(members.count, JSONReader.maximumReservedMembers)
                return .object(members)
            default: throw error("expected ',' or '}', found \(describeCurrent())")
            }
        }
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maximumNestingDepth else {
            throw error("nesting deeper than \(JSONParser.maximumNestingDepth) levels")
        }
        index += 1  // '['
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(items)
            default: throw error("expected ',' or ']', found \(describeCurrent())")
            }
        }
    }

    /// Up to this many members, an object's keys are checked for duplicates by their digests.
    static let largeObjectMembers = 256

    /// The key's `ASCIIDigest`; `nonASCIIDigest` for a key with other bytes, which is compared
    /// as a string with every key, as the set for large objects compares it.
    static func digest(_ key: String) -> UInt64 {
        ASCIIDigest.of(key) ?? nonASCIIDigest
    }

    /// The digest of every key that is not ASCII.
    static let nonASCIIDigest: UInt64 = 0

    mutating func parseString() throws -> String {
        if let text = try parsePlainString() { return text }
        let start = index
        index += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw error("unterminated string", at: start) }
            guard utf8.count <= JSONParser.maximumStringBytes else {
                throw error("string longer than \(JSONParser.maximumStringBytes) bytes", at: start)
            }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw error("string is not valid UTF-8", at: start)
                }
                guard text.utf8.count <= JSONParser.maximumStringBytes else {
                    throw error("string longer than \(JSONParser.maximumStringBytes) bytes", at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw error("control character (byte 0x\(String(byte, radix: 16, uppercase: true))) in a string must be escaped")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    /// The object key at the cursor, with its digest (`digest(_:)`). An ASCII key without escapes
    /// is read as `parsePlainString` reads a string; one too long to be a small string (15
    /// bytes) is the same `String` as the last key of that text, so a list of ten thousand
    /// images allocates `"__system_support_market"` once rather than ten thousand times.
    mutating func parseKey() throws -> (String, UInt64) {
        let start = index
        guard let (end, ascii) = plainStringEnd(), ascii else {
            let key = try parseString()
            return (key, JSONReader.digest(key))
        }
        let length = end - start - 1
        guard length <= JSONParser.maximumStringBytes else {
            throw error("string longer than \(JSONParser.maximumStringBytes) bytes", at: start)
        }
        index = end + 1
        let digest = bytes.withUnsafeBufferPointer { ASCIIDigest.of(UnsafeBufferPointer(rebasing: $0[(start + 1)..<end])) }
            ?? JSONReader.nonASCIIDigest
        guard length > 15 else { return (asciiText(start + 1, end), digest) }
        if keyCache.isEmpty { keyCache = Array(repeating: nil, count: JSONReader.keyCacheSlots) }
        let slot = Int(truncatingIfNeeded: digest) & (JSONReader.keyCacheSlots - 1)
        if let cached = keyCache[slot], cached.digest == digest, cached.length == length,
           bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + cached.offset, $0.baseAddress! + start + 1, length) == 0 }) {
            return (cached.key, digest)
        }
        let key = asciiText(start + 1, end)
        keyCache[slot] = CachedKey(digest: digest, offset: start + 1, length: length, key: key)
        return (key, digest)
    }

    /// The input's bytes `from..<to`, ASCII, as a string.
    func asciiText(_ from: Int, _ to: Int) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self) }
    }

    /// Where the string at the cursor ends (its closing quote) and whether its bytes are all
    /// ASCII, found in one pass; nil when it has an escape or a control character, or no end.
    func plainStringEnd() -> (end: Int, ascii: Bool)? {
        let start = index
        return bytes.withUnsafeBufferPointer { buffer in
            var position = start + 1
            var high: UInt8 = 0
            while position < buffer.count {
                let byte = buffer[position]
                if byte == UInt8(ascii: "\"") { return (position, high < 0x80) }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                high |= byte
                position += 1
            }
            return nil
        }
    }

    /// The string at the cursor when it has no escapes and no control characters (nearly every
    /// string): found with one scan and validated as one block. Nil, with the cursor unmoved,
    /// for any other string, which `parseString` then reads byte by byte.
    mutating func parsePlainString() throws -> String? {
        let start = index
        guard let (end, ascii) = plainStringEnd() else { return nil }
        guard end - start - 1 <= JSONParser.maximumStringBytes else {
            throw error("string longer than \(JSONParser.maximumStringBytes) bytes", at: start)
        }
        let text: String? = bytes.withUnsafeBufferPointer { buffer in
            let body = UnsafeBufferPointer(rebasing: buffer[(start + 1)..<end])
            // ASCII (nearly every key and value) is valid UTF-8 as it stands; only text with other
            // bytes goes through the validating initialiser, which decodes scalar by scalar.
            if ascii { return String(decoding: body, as: UTF8.self) }
            return String(validating: body, as: UTF8.self)
        }
        guard let text else { throw error("string is not valid UTF-8", at: start) }
        index = end + 1
        return text
    }

    /// Decodes the escape after a backslash, appending its UTF-8 to `utf8`.
    mutating func parseEscape(into utf8: inout [UInt8]) throws {
        guard let byte = current else { throw error("unterminated escape sequence") }
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw error("invalid escape '\\\(describeCurrent())' in a string", at: index - 1)
        }
        if let simple {
            utf8.append(simple)
            index += 1
            return
        }
        let escapeStart = index - 1
        index += 1
        let first = try parseHex4()
        var scalarValue = UInt32(first)
        if (0xD800...0xDBFF).contains(first) {
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("high surrogate \\u\(hex4(first)) is not followed by a low surrogate", at: escapeStart)
            }
            index += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else {
                throw error("high surrogate \\u\(hex4(first)) is followed by \\u\(hex4(second)), not a low surrogate", at: escapeStart)
            }
            scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(first) {
            throw error("lone low surrogate \\u\(hex4(first))", at: escapeStart)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            throw error("invalid Unicode escape", at: escapeStart)
        }
        utf8.append(contentsOf: String(Character(scalar)).utf8)
    }

    mutating func parseHex4() throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("\\u escape needs four hex digits, found the end of the input") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("\\u escape needs four hex digits, found \(describeCurrent())")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    func hex4(_ value: UInt16) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let lead = current, isDigit(lead) else {
            throw error("expected a digit in a number, found \(describeCurrent())")
        }
        if lead == UInt8(ascii: "0") {
            index += 1
            if let next = current, isDigit(next) {
                throw error("a number may not have a leading zero", at: start)
            }
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let next = current, isDigit(next) else {
                throw error("expected a digit after the decimal point, found \(describeCurrent())")
            }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let next = current, isDigit(next) else {
                throw error("expected a digit in the exponent, found \(describeCurrent())")
            }
            skipDigits()
        }
        guard index - start <= JSONParser.maximumNumberLength else {
            throw error("number longer than \(JSONParser.maximumNumberLength) characters", at: start)
        }
        // Integers of up to 18 digits (every size and count in real metadata) cannot overflow
        // Int64: read them directly rather than through a String.
        let negative = bytes[start] == UInt8(ascii: "-")
        let digitsStart = negative ? start + 1 : start
        if isInteger, index - digitsStart <= 18 {
            var value: Int64 = 0
            for position in digitsStart..<index { value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0")) }
            return .int(negative ? -value : value)
        }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger {
            if let value = Int64(literal) { return .int(value) }
            if let value = UInt64(literal) { return .uint(value) }
        }
        guard let value = Double(literal), value.isFinite else {
            throw error("number \(literal.count > 40 ? String(literal.prefix(40)) + "..." : literal) is out of range", at: start)
        }
        return .double(value)
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    mutating func skipDigits() {
        while let byte = current, isDigit(byte) { index += 1 }
    }
}
