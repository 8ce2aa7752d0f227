/// A LUKS2 header: a 4 KiB binary header (big-endian) followed by a JSON area that describes the
/// key slots and the data segments. QEMU 7.2 does not read LUKS2; koopack reports its own facts.
struct LUKS2Header: Sendable {
    var headerSize: UInt64
    var sequenceID: UInt64
    var label: String
    var checksumAlgorithm: String
    var uuid: String
    var subsystem: String
    /// The first data segment's start in bytes.
    var payloadOffset: UInt64
    /// The first data segment's length, nil when it runs to the end of the device ("dynamic").
    var segmentSize: UInt64?
    var encryption: String?
    var sectorSize: UInt64?
    var keyslotCount: Int
    var warnings: [String] = []

    /// The binary header's size; the JSON area follows it.
    static let binaryLength: UInt64 = 4096
    /// The largest header the LUKS2 specification allows (4 MiB), so the largest JSON area koopack
    /// reads is this less the binary header.
    static let maxHeaderSize: UInt64 = 4 << 20

    init(_ source: any ByteSource) throws {
        let w = try source.window(at: 0, count: 512, what: "LUKS2 header")
        headerSize = try w.u64be(8)
        sequenceID = try w.u64be(16)
        label = try w.cString(24, 48)
        checksumAlgorithm = try w.cString(72, 32)
        uuid = try w.cString(168, 40)
        subsystem = try w.cString(208, 48)
        guard headerSize > Self.binaryLength, headerSize <= Self.maxHeaderSize else {
            throw ImageError.invalid("LUKS2 hdr_size", at: 8, "\(headerSize) is outside 4097...\(Self.maxHeaderSize) bytes")
        }
        let area = try source.readExactly(at: Self.binaryLength, count: Int(headerSize - Self.binaryLength), what: "LUKS2 JSON area")
        let json: JSONValue
        do {
            json = try BoundedJSONReader.parse(area.prefix { $0 != 0 })
        } catch let error as ImageError {
            throw ImageError(offset: Self.binaryLength + (error.offset ?? 0), "LUKS2 JSON area: \(error.message)")
        }
        guard case let .object(segments)? = json["segments"], let first = segments.min(by: {
            (UInt64($0.0) ?? .max) < (UInt64($1.0) ?? .max)
        })?.1 else {
            throw ImageError(offset: Self.binaryLength, "LUKS2 JSON area names no data segment")
        }
        if segments.count > 1 { warnings.append("LUKS2 header has \(segments.count) data segments (a reencryption in progress?)") }
        guard let offsetText = first["offset"]?.stringValue, let offset = UInt64(offsetText) else {
            throw ImageError(offset: Self.binaryLength, "LUKS2 data segment has no numeric offset")
        }
        payloadOffset = offset
        if let size = first["size"]?.stringValue, size != "dynamic" {
            guard let fixed = UInt64(size) else {
                throw ImageError(offset: Self.binaryLength, "LUKS2 data segment size \"\(size)\" is not a number")
            }
            segmentSize = fixed
        }
        encryption = first["encryption"]?.stringValue
        if case let .uint(sector)? = first["sector_size"] { sectorSize = sector }
        if case let .object(slots)? = json["keyslots"] { keyslotCount = slots.count } else { keyslotCount = 0 }
    }

    /// koopack's format-specific facts for a LUKS2 container.
    var members: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("version", .uint(2)), ("uuid", .string(uuid))]
        if !label.isEmpty { members.append(("label", .string(label))) }
        if !subsystem.isEmpty { members.append(("subsystem", .string(subsystem))) }
        if let encryption { members.append(("cipher", .string(encryption))) }
        if let sectorSize { members.append(("sector-size", .uint(sectorSize))) }
        members.append(("keyslots", .uint(UInt64(keyslotCount))))
        members.append(("payload-offset", .uint(payloadOffset)))
        members.append(("metadata-size", .uint(headerSize)))
        return members
    }
}

/// A small JSON reader for metadata embedded in images (the LUKS2 JSON area): objects, arrays,
/// strings, numbers, booleans and null, with limits on nesting and on the number of values.
enum BoundedJSONReader {
    /// Deepest nesting accepted; LUKS2 metadata nests four levels.
    static let maxDepth = 32
    /// Most values accepted in one document; the input itself is capped by its caller.
    static let maxValues = 1 << 20

    /// Parses `bytes` as one JSON value; errors carry the offset in `bytes`.
    static func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        var parser = Parser(bytes: Array(bytes))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw parser.error("trailing data after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0
        var values = 0

        func error(_ message: String) -> ImageError {
            ImageError(offset: UInt64(position), "\(message) at byte \(position)")
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else {
                throw error("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        mutating func literal(_ text: String, _ value: JSONValue) throws -> JSONValue {
            let expected = Array(text.utf8)
            guard bytes.count - position >= expected.count, bytes[position..<(position + expected.count)].elementsEqual(expected) else {
                throw error("unexpected character")
            }
            position += expected.count
            return value
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < BoundedJSONReader.maxDepth else { throw error("JSON nests deeper than \(BoundedJSONReader.maxDepth) levels") }
            values += 1
            guard values <= BoundedJSONReader.maxValues else { throw error("more than \(BoundedJSONReader.maxValues) JSON values") }
            skipSpace()
            guard position < bytes.count else { throw error("JSON ends early") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var members: [(String, JSONValue)] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                while true {
                    skipSpace()
                    let key = try string()
                    try expect(UInt8(ascii: ":"))
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard position < bytes.count else { throw error("JSON object ends early") }
                    if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                    try expect(UInt8(ascii: ","))
                }
            case UInt8(ascii: "["):
                position += 1
                var items: [JSONValue] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < bytes.count else { throw error("JSON array ends early") }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                    try expect(UInt8(ascii: ","))
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default:
                return try number()
            }
        }

        mutating func string() throws -> String {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
            position += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") {
                    scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                    return String(scalars)
                }
                guard byte == UInt8(ascii: "\\") else { raw.append(byte); continue }
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                let simple: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]
                if let replacement = simple[escape] { raw.append(replacement); continue }
                guard escape == UInt8(ascii: "u"), bytes.count - position >= 4,
                      let code = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) else {
                    throw error("bad escape in a JSON string")
                }
                position += 4
                raw.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
            }
            throw error("JSON string ends early")
        }

        mutating func number() throws -> JSONValue {
            let start = position
            while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if let value = UInt64(text) { return .uint(value) }
            if let value = Int64(text) { return .int(value) }
            if let value = Double(text), !text.isEmpty { return .double(value) }
            position = start
            throw error("unexpected character")
        }
    }
}
