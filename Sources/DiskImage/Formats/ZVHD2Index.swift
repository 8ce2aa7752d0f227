/// ZVHD2's bitmap: one bit per 2 MiB block, bit `b % 8` (lowest first) of byte `b / 8`, a set bit
/// meaning the block is stored (__zvhd2_bm_set, __zvhd2_bm_read). It is written in 4 KiB
/// segments of 32,768 blocks that follow each other, so it is one plain bit array.
public struct ZVHD2Bitmap: Sendable {
    /// zvhd2.c: `bm_seg_size = blk_num_per_seg / 8`.
    static let segmentBytes: UInt64 = 4096
    /// zvhd2.c: `blk_num_per_seg = ZVHD2_INDEX_SEG_SIZE / sizeof(zvhd2_index_entry_t)`.
    static let blocksPerSegment: UInt64 = 32768

    let bytes: [UInt8]
    /// Where the bitmap sits in the file.
    let offset: UInt64
    /// Set bits before each 64-bit word, so a block's rank costs one lookup and one popcount.
    private let wordRanks: [UInt32]
    /// The number of set bits: the blocks stored.
    public let storedBlocks: Int

    /// A bitmap over `bytes` (read from `offset`); any length, padded to whole words as zeros.
    public init(_ bytes: [UInt8], at offset: UInt64 = 0) {
        self.bytes = bytes
        self.offset = offset
        var ranks: [UInt32] = []
        ranks.reserveCapacity(bytes.count / 8 + 1)
        var total: UInt32 = 0
        var index = 0
        while index < bytes.count {
            ranks.append(total)
            total &+= UInt32(Self.word(bytes, index).nonzeroBitCount)
            index += 8
        }
        wordRanks = ranks
        storedBlocks = Int(total)
    }

    /// The 64-bit little-endian word at byte `index`, zeros past the end.
    private static func word(_ bytes: [UInt8], _ index: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in stride(from: min(7, bytes.count - index - 1), through: 0, by: -1) { value = value << 8 | UInt64(bytes[index + i]) }
        return value
    }

    /// The blocks the bitmap has bits for.
    public var blockCapacity: UInt64 { UInt64(bytes.count) * 8 }

    /// Whether `block` is stored; false past the bitmap.
    public func isStored(_ block: UInt64) -> Bool {
        guard block < blockCapacity else { return false }
        return bytes[Int(block / 8)] >> (block % 8) & 1 != 0
    }

    /// How many stored blocks come before `block`: the index entry of a stored block when zero
    /// blocks are not indexed. The driver counts per segment, from the segment's first set bit,
    /// on top of the segment's base (__zvhd2_bm_get_index_num, __zvhd2_read_initiliaze_bm);
    /// that is the same number.
    public func rank(_ block: UInt64) -> Int {
        let capped = min(block, blockCapacity)
        let wordIndex = Int(capped / 64)
        guard wordIndex < wordRanks.count else { return storedBlocks }
        let bits = capped % 64
        let mask: UInt64 = bits == 0 ? 0 : (~0 as UInt64) >> (64 - bits)
        return Int(wordRanks[wordIndex]) + (Self.word(bytes, wordIndex * 8) & mask).nonzeroBitCount
    }
}

/// One 16-byte ZVHD2 index entry (zvhd2.c `zvhd2_index_entry_t`): where a block's record starts,
/// which block it is, and the record's length.
public struct ZVHD2IndexEntry: Sendable, Equatable {
    public var recordOffset: UInt64
    public var block: UInt32
    public var recordLength: UInt32

    /// The entry at `o` of `w`.
    init(_ w: ByteWindow, _ o: Int) throws {
        recordOffset = try w.u64le(o)
        block = try w.u32le(o + 8)
        recordLength = try w.u32le(o + 12)
    }

    /// The reader's zero block: an entry with no offset or no length (zvhd2_read_with_indexbm,
    /// zvhd2_read_with_index: `blk_offset == 0 || blk_disk_size == 0`).
    public var isEmpty: Bool { recordOffset == 0 || recordLength == 0 }

    var recordEnd: UInt64 { recordOffset &+ UInt64(recordLength) }
}

/// The ZVHD2 index: 16-byte entries packed 32,768 to a 512 KiB segment, segments one after the
/// other from `index_lba`. Without zero blocks, entry `i` describes the `i`-th stored block
/// (zvhd2_write → __zvhd2_index_set with `cur_blk = non_zero_blk_num`); with them, entry `b`
/// describes block `b`.
enum ZVHD2Index {
    /// zvhd2.c `ZVHD2_INDEX_SEG_SIZE`.
    static let segmentBytes: UInt64 = 512 << 10
    static let entriesPerSegment: UInt64 = segmentBytes / entryLength
    static let entryLength: UInt64 = 16
    /// koopack reads the index in pages of this many bytes (256 entries), not whole segments.
    static let pageBytes: UInt64 = 4096
}

/// What the guest reader needs of a ZVHD2 image: the bitmap, where the index and the records
/// lie, and how blocks are compressed (from the final footer, `ZVHD2Image.layout`).
struct ZVHD2Layout: Sendable {
    var bitmap: ZVHD2Bitmap
    var zeroBlocksIndexed: Bool
    var indexOffset: UInt64
    var indexEntries: UInt64
    var dataArea: Range<UInt64>
    var zstd: Bool
    var virtualSize: UInt64
    /// The final footer's offset, for messages about its fields.
    var footerOffset: UInt64
}

/// The guest's view of a ZVHD2 image: bitmap → rank → index entry → record, each checked, and
/// each record decompressed on its own (zvhd2_read_with_indexbm; zvhd2_read_with_index when the
/// index holds zero blocks). Index pages and decoded blocks are cached.
final class ZVHD2BlockMap: Sendable {
    /// Index pages kept: 64 of 4 KiB, 16,384 entries (a 32 GiB stretch of stored blocks).
    static let cachedPages = 64
    /// Decoded 2 MiB blocks kept.
    static let cachedBlocks = 8
    /// The largest record the driver's read buffer holds (zvhd2_open: a 4 KiB header area plus
    /// `buf_size = roundup(2 × block + block / 1000 + 128, 4096)`).
    static let maxRecordLength: UInt64 = 4096 + 4_198_400

    let source: any ByteSource
    let layout: ZVHD2Layout
    let blockCount: UInt64
    private let pages = TableCache<UInt64, ByteWindow>(capacity: cachedPages)
    private let blocks = TableCache<UInt64, [UInt8]>(capacity: cachedBlocks)

    /// The map of `image`, refused when the driver could not read the guest either: a block
    /// size other than 2 MiB, or a virtual size past the bitmap's segments.
    convenience init(image: ZVHD2Image, source: any ByteSource) throws {
        guard UInt64(image.fields.blockSize) == ZVHDFooter.driverBlockSize else {
            throw ImageError.invalid(.invalid, "ZVHD2 block size", at: image.footer.offset + 88,
                                     "\(image.fields.blockSize) bytes: the driver reads only 2 MiB blocks (BLOCK_SIZE_SECTOR), so this guest cannot be read")
        }
        try self.init(layout: image.layout, source: source)
    }

    /// The map over `layout`, refused when the virtual size needs blocks past the bitmap.
    init(layout: ZVHD2Layout, source: any ByteSource) throws {
        self.source = source
        self.layout = layout
        blockCount = (layout.virtualSize + ZVHDFooter.driverBlockSize - 1) / ZVHDFooter.driverBlockSize
        guard blockCount <= layout.bitmap.blockCapacity else {
            throw ImageError.invalid(.invalid, "ZVHD2 current size", at: layout.footerOffset + 48,
                                     "\(layout.virtualSize) bytes need \(blockCount) blocks, but the bitmap covers \(layout.bitmap.blockCapacity)")
        }
    }

    /// Where the guest bytes at `offset` live: a decoded block, or zeros.
    func locate(_ offset: UInt64) throws -> GuestExtent {
        let block = offset / ZVHDFooter.driverBlockSize
        let inBlock = offset % ZVHDFooter.driverBlockSize
        let rest = ZVHDFooter.driverBlockSize - inBlock
        guard let entry = try entry(for: block) else { return GuestExtent(.zero, length: rest) }
        let data = try blocks.value(for: block) { try decode(entry.entry, index: entry.index, block: block) }
        return GuestExtent(.decoded(data, start: Int(inBlock)), length: rest)
    }

    /// Whether `block` certainly reads as zeros, from the bitmap alone (or, with zero blocks
    /// indexed, its entry).
    func isZero(_ block: UInt64) throws -> Bool { try entry(for: block) == nil }

    /// The index entry for `block` and its position, or nil for a zero block. Without zero
    /// blocks indexed a clear bit is a zero block (__zvhd2_bm_read) and a set bit's rank is the
    /// entry; with them the entry is the block number and must name that block.
    func entry(for block: UInt64) throws -> (entry: ZVHD2IndexEntry, index: UInt64)? {
        let index: UInt64
        if layout.zeroBlocksIndexed {
            index = block
        } else {
            guard layout.bitmap.isStored(block) else { return nil }
            index = UInt64(layout.bitmap.rank(block))
        }
        let entry = try self.entry(at: index)
        if entry.isEmpty { return nil }
        guard UInt64(entry.block) == block else {
            let how = layout.zeroBlocksIndexed ? "entry \(index) must describe block \(index)" : "the bitmap ranks block \(block) there"
            throw ImageError.invalid(.invalid, "ZVHD2 index entry \(index)", at: entryOffset(index) + 8, "names block \(entry.block), but \(how)")
        }
        try check(entry, index: index)
        return (entry, index)
    }

    private func entryOffset(_ index: UInt64) -> UInt64 { layout.indexOffset + index * ZVHD2Index.entryLength }

    /// Entry `index`, read through the page cache; past the entries the image holds is an error.
    func entry(at index: UInt64) throws -> ZVHD2IndexEntry {
        guard index < layout.indexEntries else {
            throw ImageError.invalid(.outOfRange, "ZVHD2 index entry \(index)", at: entryOffset(min(index, layout.indexEntries)),
                                     "lies past the \(layout.indexEntries) entries the index holds")
        }
        let byte = index * ZVHD2Index.entryLength
        let page = byte / ZVHD2Index.pageBytes
        let window = try pages.value(for: page) {
            try source.window(at: layout.indexOffset + page * ZVHD2Index.pageBytes,
                              count: Int(ZVHD2Index.pageBytes), what: "ZVHD2 index page")
        }
        return try ZVHD2IndexEntry(window, Int(byte % ZVHD2Index.pageBytes))
    }

    /// An entry's record must lie in the data area, fit the driver's buffer, and neither overlap
    /// nor come before the records of its neighbours (records are written in ascending order).
    private func check(_ entry: ZVHD2IndexEntry, index: UInt64) throws {
        let area = layout.dataArea
        let at = entryOffset(index)
        guard entry.recordOffset >= area.lowerBound, entry.recordEnd <= area.upperBound, entry.recordEnd > entry.recordOffset else {
            throw ImageError.invalid(.outOfRange, "ZVHD2 index entry \(index)", at: at,
                                     "points at a \(entry.recordLength)-byte record at offset \(entry.recordOffset), outside the data area \(area.lowerBound)..<\(area.upperBound)")
        }
        guard UInt64(entry.recordLength) <= Self.maxRecordLength, UInt64(entry.recordLength) >= UInt64(ZVHDRecordHeader.length) + 4 else {
            throw ImageError.invalid(.outOfRange, "ZVHD2 index entry \(index)", at: at + 12,
                                     "gives a record length of \(entry.recordLength) bytes, outside \(ZVHDRecordHeader.length + 4)–\(Self.maxRecordLength)")
        }
        if index > 0, try neighbour(index - 1).map({ $0.recordEnd > entry.recordOffset }) == true {
            let previous = try self.entry(at: index - 1)
            throw ImageError.invalid(.outOfRange, "ZVHD2 index entry \(index)", at: at,
                                     "puts its record at offset \(entry.recordOffset), inside or before the record of entry \(index - 1) (offset \(previous.recordOffset), \(previous.recordLength) bytes): records overlap or run backwards")
        }
        if try neighbour(index + 1).map({ entry.recordEnd > $0.recordOffset }) == true {
            let next = try self.entry(at: index + 1)
            throw ImageError.invalid(.outOfRange, "ZVHD2 index entry \(index + 1)", at: at + ZVHD2Index.entryLength,
                                     "puts its record at offset \(next.recordOffset), inside or before the record of entry \(index) (offset \(entry.recordOffset), \(entry.recordLength) bytes): records overlap or run backwards")
        }
    }

    /// Entry `index` when the index holds it and it is not empty.
    private func neighbour(_ index: UInt64) throws -> ZVHD2IndexEntry? {
        guard index < layout.indexEntries else { return nil }
        let entry = try self.entry(at: index)
        return entry.isEmpty ? nil : entry
    }

    /// Reads and decompresses the record of `entry` into its 2 MiB block.
    private func decode(_ entry: ZVHD2IndexEntry, index: UInt64, block: UInt64) throws -> [UInt8] {
        let record = try source.window(at: entry.recordOffset, count: Int(entry.recordLength), what: "ZVHD2 record")
        guard ZVHDRecordHeader.isRecord(record) else {
            throw ImageError.invalid(.outOfRange, "ZVHD2 index entry \(index)", at: entryOffset(index),
                                     "points at offset \(entry.recordOffset), where no data record (\"hwstream bg\") starts")
        }
        let header = try ZVHDRecordHeader(record)
        guard UInt64(header.block) == block else {
            throw ImageError.invalid(.outOfRange, "record block number", at: entry.recordOffset + 16,
                                     "the record at offset \(entry.recordOffset) is for block \(header.block), but index entry \(index) gives it for block \(block)")
        }
        guard UInt64(ZVHDRecordHeader.length) + UInt64(header.payloadSize) + 4 <= UInt64(entry.recordLength) else {
            throw ImageError.invalid(.invalid, "record payload size", at: entry.recordOffset + 12,
                                     "\(header.payloadSize) bytes of payload do not fit the \(entry.recordLength)-byte record the index gives")
        }
        guard record.matches(ZVHDRecordHeader.postfix, at: Int(entry.recordLength) - 4) else {
            throw ImageError.invalid(.outOfRange, "record end marker", at: entry.recordEnd - 4,
                                     "the \(entry.recordLength)-byte record at offset \(entry.recordOffset) does not end in \"end\\0\"")
        }
        let payload = try record.slice(ZVHDRecordHeader.length, Int(header.payloadSize))
        let expected = Int(ZVHDFooter.driverBlockSize)
        do {
            if layout.zstd { return try Decompression.zstd(payload, expected: expected) }
            return try Decompression.inflateSyncFlushed(payload, expected: expected)
        } catch let error as ImageError {
            throw ImageError(.outOfRange, offset: entry.recordOffset, "the record for block \(block) at offset \(entry.recordOffset): \(error.message)")
        }
    }
}

/// The guest disk of a ZVHD2 image: reads through `ZVHD2BlockMap`, zero runs from the bitmap.
struct ZVHD2GuestDisk: ZeroRunSource {
    let map: ZVHD2BlockMap
    private let disk: BlockMappedDisk

    init(map: ZVHD2BlockMap) {
        self.map = map
        disk = BlockMappedDisk(size: map.layout.virtualSize, backing: nil) { offset in try map.locate(offset) }
    }

    var size: UInt64 { disk.size }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] { try disk.read(at: offset, count: count) }

    func zeroRun(at offset: UInt64, limit: UInt64) throws -> UInt64 {
        var run: UInt64 = 0
        while run < limit, offset + run < size {
            let position = offset + run
            guard try map.isZero(position / ZVHDFooter.driverBlockSize) else { break }
            run += ZVHDFooter.driverBlockSize - position % ZVHDFooter.driverBlockSize
        }
        return min(run, limit)
    }
}
