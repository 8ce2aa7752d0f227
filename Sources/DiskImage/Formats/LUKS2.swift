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
            throw ImageError.invalid(.outOfRange, "LUKS2 hdr_size", at: 8, "\(headerSize) is outside 4097...\(Self.maxHeaderSize) bytes")
        }
        let area = try source.readExactly(at: Self.binaryLength, count: Int(headerSize - Self.binaryLength), what: "LUKS2 JSON area")
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(area.prefix { $0 != 0 }), maximumInputBytes: Int(Self.maxHeaderSize))
        } catch let error as ImageError {
            throw ImageError(error.kind, offset: Self.binaryLength + (error.offset ?? 0), "LUKS2 JSON area: \(error.message)")
        }
        guard case let .object(segments)? = json["segments"], let first = segments.min(by: {
            (UInt64($0.0) ?? .max) < (UInt64($1.0) ?? .max)
        })?.1 else {
            throw ImageError(.invalid, offset: Self.binaryLength, "LUKS2 JSON area names no data segment")
        }
        if segments.count > 1 { warnings.append("LUKS2 header has \(segments.count) data segments (a reencryption in progress?)") }
        guard let offsetText = first["offset"]?.stringValue, let offset = UInt64(offsetText) else {
            throw ImageError(.invalid, offset: Self.binaryLength, "LUKS2 data segment has no numeric offset")
        }
        payloadOffset = offset
        if let size = first["size"]?.stringValue, size != "dynamic" {
            guard let fixed = UInt64(size) else {
                throw ImageError(.invalid, offset: Self.binaryLength, "LUKS2 data segment size \"\(size)\" is not a number")
            }
            segmentSize = fixed
        }
        encryption = first["encryption"]?.stringValue
        if let sector = first["sector_size"]?.unsignedValue { sectorSize = sector }
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
