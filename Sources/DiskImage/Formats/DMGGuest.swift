/// The block tables of a DMG: every "mish" block of its resource fork or property list, as
/// dmg_read_resource_fork / dmg_read_plist_xml and dmg_read_mish_block (block/dmg.c) collect
/// them, sorted by first sector for lookup (dmg.c's search_chunk assumes that order).
struct DMGChunkTable: Sendable {
    /// One run of sectors and where its data lives.
    struct Chunk: Sendable {
        var type: UInt32
        var firstSector: UInt64
        var sectors: UInt64
        var offset: UInt64
        var length: UInt64
    }

    /// dmg.c's block types.
    static let zeros: UInt32 = 0, raw: UInt32 = 1, ignore: UInt32 = 2, adc: UInt32 = 0x8000_0004
    static let zlib: UInt32 = 0x8000_0005, bzip2: UInt32 = 0x8000_0006, lzfse: UInt32 = 0x8000_0007
    /// dmg.c `DMG_LENGTHS_MAX`: a chunk's stored length is at most 64 MiB.
    static let maxChunkLength: UInt64 = 64 << 20
    /// A decompressed chunk koopack holds at once (`Decompression.maxOutput`); hdiutil writes
    /// 1 MiB chunks.
    static let maxDecodedBytes = UInt64(Decompression.maxOutput)
    /// dmg_read_plist_xml refuses a property list over 16 MiB.
    static let maxPlistBytes: UInt64 = 16 << 20
    /// Most chunks koopack keeps: 1 Mi (40 MiB of tables).
    static let maxChunks = 1 << 20

    var chunks: [Chunk] = []

    init(trailer: DMGTrailer, source: any ByteSource) throws {
        if trailer.resourceForkLength != 0 {
            try readResourceFork(trailer, source)
        } else if trailer.plistLength != 0 {
            try readPlist(trailer, source)
        } else {
            throw ImageError.invalid(.invalid, "DMG trailer", at: trailer.offset + 0x30, "names neither a resource fork nor a property list of block tables")
        }
        chunks.sort { $0.firstSector < $1.firstSector }
    }

    /// dmg_read_resource_fork: a 32-bit offset to the resource data and its length, then
    /// resources each prefixed with its 32-bit length.
    private mutating func readResourceFork(_ trailer: DMGTrailer, _ source: any ByteSource) throws {
        let begin = trailer.resourceForkOffset, length = trailer.resourceForkLength
        let head = try source.window(at: begin, count: 12, what: "DMG resource fork header")
        let dataOffset = UInt64(try head.u32be(0)), dataLength = UInt64(try head.u32be(8))
        guard dataOffset <= length, dataLength > 0, dataOffset + dataLength <= length else {
            throw ImageError.invalid(.outOfRange, "DMG resource fork", at: begin, "its resource data (offset \(dataOffset), \(dataLength) bytes) does not fit its \(length) bytes")
        }
        var offset = begin + dataOffset
        let end = offset + dataLength
        while offset < end {
            let count = UInt64(try source.window(at: offset, count: 4, what: "DMG resource length").u32be(0))
            guard count > 0, count <= end - offset - min(4, end - offset) else {
                throw ImageError.invalid(.invalid, "DMG resource length", at: offset, "\(count) bytes do not fit the resource data")
            }
            let block = try source.window(at: offset + 4, count: Int(count), what: "DMG resource")
            try addMish(block.bytes, dataFork: trailer.dataForkOffset, at: offset + 4)
            offset += 4 + count
        }
    }

    /// dmg_read_plist_xml: every `<data>` element, base64-decoded, is a candidate mish block.
    private mutating func readPlist(_ trailer: DMGTrailer, _ source: any ByteSource) throws {
        guard trailer.plistLength <= Self.maxPlistBytes else {
            throw ImageError.invalid(.invalid, "DMG property list length", at: trailer.offset + 0xE0, "\(trailer.plistLength) bytes is more than \(Self.maxPlistBytes)")
        }
        let xml = try source.readExactly(at: trailer.plistOffset, count: Int(trailer.plistLength), what: "DMG property list")
        let open = Array("<data>".utf8), close = Array("</data>".utf8)
        var position = 0
        while let start = Self.find(open, in: xml, from: position) {
            guard let end = Self.find(close, in: xml, from: start + open.count) else {
                throw ImageError(.outOfRange, offset: trailer.plistOffset + UInt64(start), "DMG property list: <data> at offset \(trailer.plistOffset + UInt64(start)) is never closed")
            }
            try addMish(Self.base64(xml[(start + open.count)..<end]), dataFork: trailer.dataForkOffset, at: trailer.plistOffset + UInt64(start))
            position = end + close.count
        }
    }

    /// dmg_read_mish_block: "mish" and at least 244 bytes, else skipped; 40-byte chunk entries
    /// from byte 204, relative to the block's first sector and data offset. Unknown types are
    /// left out (reading their sectors is then an error, as in QEMU).
    private mutating func addMish(_ bytes: [UInt8], dataFork: UInt64, at offset: UInt64) throws {
        let w = ByteWindow(bytes, at: offset)
        guard bytes.count >= 244, w.matches(Array("mish".utf8), at: 0) else { return }
        let firstSector = try w.u64be(8), dataOffset = try w.u64be(0x18)
        for index in 0..<((bytes.count - 204) / 40) {
            let o = 204 + index * 40
            let type = try w.u32be(o)
            guard [Self.zeros, Self.raw, Self.ignore, Self.zlib, Self.bzip2, Self.lzfse].contains(type) else { continue }
            guard chunks.count < Self.maxChunks else {
                throw ImageError(.invalid, offset: offset, "the DMG has more than \(Self.maxChunks) chunks")
            }
            let chunk = Chunk(type: type, firstSector: try w.u64be(o + 8) &+ firstSector, sectors: try w.u64be(o + 16),
                              offset: try w.u64be(o + 24) &+ dataOffset &+ dataFork, length: try w.u64be(o + 32))
            if type != Self.zeros && type != Self.ignore && chunk.sectors > Self.maxChunkLength / 512 {
                throw ImageError.invalid(.invalid, "DMG chunk sector count", at: offset + UInt64(o) + 16, "\(chunk.sectors) is more than \(Self.maxChunkLength / 512)")
            }
            guard chunk.length <= Self.maxChunkLength else {
                throw ImageError.invalid(.invalid, "DMG chunk length", at: offset + UInt64(o) + 32, "\(chunk.length) is more than \(Self.maxChunkLength)")
            }
            chunks.append(chunk)
        }
    }

    /// Where the guest bytes at `offset` live: the chunk holding its sector.
    func locate(_ offset: UInt64, source: any ByteSource, decoded: TableCache<Int, [UInt8]>) throws -> GuestExtent {
        let sector = offset / 512
        var low = 0, high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            if chunks[middle].firstSector <= sector { low = middle + 1 } else { high = middle }
        }
        guard low > 0, case let chunk = chunks[low - 1], sector - chunk.firstSector < chunk.sectors else {
            throw ImageError(.invalid, offset: offset, "no DMG chunk holds sector \(sector)")
        }
        let inChunk = offset - chunk.firstSector * 512
        let rest = chunk.sectors * 512 - inChunk
        switch chunk.type {
        case Self.zeros, Self.ignore:
            return GuestExtent(.zero, length: rest)
        case Self.raw:
            // dmg_read_chunk copies `length` bytes; the rest of the chunk's sectors read as zeros.
            guard inChunk < chunk.length else { return GuestExtent(.zero, length: rest) }
            return GuestExtent(.data(source, offset: chunk.offset + inChunk), length: min(rest, chunk.length - inChunk))
        case Self.zlib:
            guard chunk.sectors * 512 <= Self.maxDecodedBytes else {
                throw ImageError(.limit, offset: chunk.offset, "DMG chunk at offset \(chunk.offset) inflates to \(chunk.sectors * 512) bytes, more than koopack's \(Self.maxDecodedBytes)-byte limit")
            }
            let data = try decoded.value(for: low - 1) {
                let compressed = try source.readExactly(at: chunk.offset, count: Int(chunk.length), what: "DMG chunk")
                do {
                    return try Decompression.inflate(compressed[...], expected: Int(chunk.sectors * 512), wrapping: .zlib)
                } catch let error as ImageError {
                    throw ImageError(.outOfRange, offset: chunk.offset, "DMG chunk at offset \(chunk.offset): \(error.message)")
                }
            }
            return GuestExtent(.decoded(data, start: Int(inChunk)), length: rest)
        default:
            throw ImageError(.unsupported, offset: chunk.offset, "DMG chunk at offset \(chunk.offset) is \(chunk.type == Self.bzip2 ? "bzip2" : "lzfse")-compressed, which koopack does not read")
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// Base64 text to bytes, skipping whitespace and anything else that is not a digit of it
    /// (as g_base64_decode does), stopping at padding.
    static func base64(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0, bits = 0
        for character in text {
            let value: UInt32
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): return output
            default: continue
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }
}
