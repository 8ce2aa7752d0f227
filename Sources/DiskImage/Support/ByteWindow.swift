/// Bytes read from a known offset of a source, with bounds-checked integer reads in an explicit
/// byte order. Errors carry the absolute offset in the source, not the offset in the window.
public struct ByteWindow: Sendable {
    public let bytes: [UInt8]
    /// Where `bytes[0]` sits in its source.
    public let base: UInt64

    public init(_ bytes: [UInt8], at base: UInt64 = 0) {
        self.bytes = bytes
        self.base = base
    }

    public var count: Int { bytes.count }

    @inline(__always)
    private func check(_ offset: Int, _ length: Int) throws {
        guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else {
            throw ImageError(.truncated, offset: base &+ UInt64(max(offset, 0)),
                             "truncated: \(length) bytes needed at offset \(base &+ UInt64(max(offset, 0)))")
        }
    }

    public func u8(_ o: Int) throws -> UInt8 {
        try check(o, 1)
        return bytes[o]
    }

    public func u16le(_ o: Int) throws -> UInt16 { UInt16(truncatingIfNeeded: try le(o, 2)) }
    public func u32le(_ o: Int) throws -> UInt32 { UInt32(truncatingIfNeeded: try le(o, 4)) }
    public func u64le(_ o: Int) throws -> UInt64 { try le(o, 8) }
    public func u16be(_ o: Int) throws -> UInt16 { UInt16(truncatingIfNeeded: try be(o, 2)) }
    public func u32be(_ o: Int) throws -> UInt32 { UInt32(truncatingIfNeeded: try be(o, 4)) }
    public func u64be(_ o: Int) throws -> UInt64 { try be(o, 8) }

    // Each integer is one unaligned load after the bounds check: block tables are read entry by
    // entry, and a byte-at-a-time loop cost tens of instructions per entry, more than the rest
    // of a header read. `n` is 2, 4 or 8.
    @inline(__always)
    private func le(_ o: Int, _ n: Int) throws -> UInt64 {
        try check(o, n)
        return bytes.withUnsafeBytes { raw in
            switch n {
            case 2: UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
            case 4: UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
            default: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
            }
        }
    }

    @inline(__always)
    private func be(_ o: Int, _ n: Int) throws -> UInt64 {
        try check(o, n)
        return bytes.withUnsafeBytes { raw in
            switch n {
            case 2: UInt64(UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
            case 4: UInt64(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
            default: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
            }
        }
    }

    /// `length` raw bytes at `o`.
    public func slice(_ o: Int, _ length: Int) throws -> ArraySlice<UInt8> {
        try check(o, length)
        return bytes[o..<(o + length)]
    }

    /// Whether the bytes at `o` equal `expected`; false (not an error) when out of range.
    public func matches(_ expected: [UInt8], at o: Int) -> Bool {
        guard o >= 0, o <= bytes.count, expected.count <= bytes.count - o else { return false }
        return bytes[o..<(o + expected.count)].elementsEqual(expected)
    }

    /// A NUL-terminated (or padded) string of at most `length` bytes at `o`, decoded as UTF-8
    /// with invalid sequences repaired.
    public func cString(_ o: Int, _ length: Int) throws -> String {
        let raw = try slice(o, length)
        let end = raw.firstIndex(of: 0) ?? raw.endIndex
        return String(decoding: raw[raw.startIndex..<end], as: UTF8.self)
    }

    /// A space-padded ASCII field (ISO 9660 style), trailing spaces and NULs removed.
    public func paddedString(_ o: Int, _ length: Int) throws -> String {
        var raw = Array(try slice(o, length))
        while let last = raw.last, last == 0x20 || last == 0 { raw.removeLast() }
        return String(decoding: raw, as: UTF8.self)
    }

    /// A 16-byte GUID stored in the mixed-endian Microsoft layout (VHDX, GPT), as the usual
    /// lower-case 8-4-4-4-12 text.
    public func guidMixedEndian(_ o: Int) throws -> String {
        try check(o, 16)
        return formatGUID(bytes, at: o, order: mixedEndianGUIDOrder)
    }

    /// A 16-byte UUID stored in network (big-endian) order (VHD, LUKS; VDI stores its UUIDs mixed-endian).
    public func uuidBigEndian(_ o: Int) throws -> String {
        try check(o, 16)
        return formatGUID(bytes, at: o, order: bigEndianGUIDOrder)
    }
}

/// Which stored byte each of a GUID's 16 printed bytes is: the first three fields of a
/// Microsoft GUID are little-endian, a UUID's are big-endian.
let mixedEndianGUIDOrder: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
    (3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15)
let bigEndianGUIDOrder: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

/// Formats the 16 bytes of `bytes` at `start`, taken in `order`, as 8-4-4-4-12 lower-case hex:
/// written straight into the string's 36 bytes (a batch of VHDX and VDI headers formats a dozen
/// GUIDs an image). The caller has checked that the 16 bytes are there.
func formatGUID(_ bytes: [UInt8], at start: Int,
                order: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)) -> String {
    withUnsafeBytes(of: order) { orderBytes in
        let order = orderBytes.bindMemory(to: Int.self)
        return bytes.withUnsafeBufferPointer { source in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                let hex = digits.utf8Start
                var out = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    let byte = source[start + order[index]]
                    text[out] = hex[Int(byte >> 4)]
                    text[out + 1] = hex[Int(byte & 0x0f)]
                    out += 2
                }
                return out
            }
        }
    }
}
