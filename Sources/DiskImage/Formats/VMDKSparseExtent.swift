/// The header of a hosted sparse extent (magic "KDMV"): the first sector of a monolithicSparse or
/// streamOptimized image, and of each `-s001.vmdk` file of a twoGbMaxExtentSparse disk. All
/// integers are little-endian; offsets and sizes are in 512-byte sectors.
struct VMDKSparseHeader: Sendable, Equatable {
    /// The header occupies the first sector.
    static let length = 512
    /// "KDMV" as it appears in the file.
    static let magic: [UInt8] = Array("KDMV".utf8)
    /// `gdOffset` of a streamOptimized image whose grain directory is found through the footer.
    static let grainDirectoryAtEnd: UInt64 = .max

    /// Flag bit 0: the four newline-check characters are valid.
    static let flagNewlineTest: UInt32 = 1 << 0
    /// Flag bit 1: a redundant grain directory and tables exist.
    static let flagRedundantTables: UInt32 = 1 << 1
    /// Flag bit 2: a grain table entry of 1 means a grain of zeros.
    static let flagZeroedGrains: UInt32 = 1 << 2
    /// Flag bit 16: grains are compressed.
    static let flagCompressedGrains: UInt32 = 1 << 16
    /// Flag bit 17: the stream has markers (grain, table, directory, footer, end of stream).
    static let flagMarkers: UInt32 = 1 << 17
    /// The only compression algorithm defined: deflate in a zlib stream.
    static let compressionDeflate: UInt16 = 1

    var version: UInt32
    var flags: UInt32
    /// Sectors the extent holds.
    var capacity: UInt64
    /// Sectors per grain.
    var grainSize: UInt64
    var descriptorOffset: UInt64
    var descriptorSize: UInt64
    var numGTEsPerGT: UInt32
    var rgdOffset: UInt64
    var gdOffset: UInt64
    /// Sectors of metadata before the first grain.
    var overHead: UInt64
    var uncleanShutdown: Bool
    /// The newline-check characters: "\n", " ", "\r", "\n" when the file was not mangled by a
    /// text-mode transfer.
    var newlineCheck: [UInt8]
    var compressAlgorithm: UInt16
    /// Where the header was read, for messages.
    var fileOffset: UInt64

    var compressed: Bool { compressAlgorithm == Self.compressionDeflate }
    var hasMarkers: Bool { flags & Self.flagMarkers != 0 }
    var hasZeroedGrains: Bool { flags & Self.flagZeroedGrains != 0 }
    /// Whether the newline-check characters show the file was passed through a text conversion.
    var newlineCheckDamaged: Bool {
        flags & Self.flagNewlineTest != 0 && newlineCheck != [0x0A, 0x20, 0x0D, 0x0A]
    }

    /// Reads a header from `window`, whose first 4 bytes must be the magic. Only the fields are
    /// read here; `VMDKSparseExtent.open` checks they make sense.
    static func parse(_ window: ByteWindow) throws -> VMDKSparseHeader {
        guard window.matches(magic, at: 0) else {
            throw ImageError.invalid(.badMagic, "sparse extent magic", at: window.base, "not \"KDMV\"")
        }
        return VMDKSparseHeader(
            version: try window.u32le(4), flags: try window.u32le(8), capacity: try window.u64le(12),
            grainSize: try window.u64le(20), descriptorOffset: try window.u64le(28),
            descriptorSize: try window.u64le(36), numGTEsPerGT: try window.u32le(44),
            rgdOffset: try window.u64le(48), gdOffset: try window.u64le(56), overHead: try window.u64le(64),
            uncleanShutdown: try window.u8(72) != 0, newlineCheck: Array(try window.slice(73, 4)),
            compressAlgorithm: try window.u16le(77), fileOffset: window.base)
    }
}

/// A hosted sparse extent opened for reading: its header (the footer's, for a streamOptimized
/// image written with the grain directory at the end), and the grain directory and grain tables,
/// read on demand and cached.
struct VMDKSparseExtent: Sendable {
    /// QEMU's limit on sectors per grain: a 1 GiB grain is not realistic, and a larger one
    /// would make a single run of the guest disk absurdly long.
    static let maxGrainSectors: UInt64 = 0x20_0000
    /// QEMU's limit on grain table entries per table (the spec's value is 512).
    static let maxGTEsPerGT: UInt32 = 512
    /// QEMU's limit on grain directory entries (32 Mi): enough for every legal capacity.
    static let maxDirectoryEntries: UInt64 = 32 << 20
    /// The largest extent koopack accepts, in sectors (64 TiB): past every VMDK variant's limit,
    /// and small enough that byte offsets never overflow.
    static let maxCapacitySectors: UInt64 = 1 << 37
    /// Grain directory entries read and cached together.
    static let directoryChunkEntries: UInt64 = 1024
    /// Grain tables kept in memory (each at most 2 KiB).
    static let tableCacheCapacity = 64
    /// Decompressed grains kept in memory (each at most `Decompression.maxOutput`).
    static let grainCacheCapacity = 8
    /// Bytes of a grain marker before its compressed data: LBA (8) and size (4).
    static let grainMarkerHeaderLength = 12

    let source: any ByteSource
    /// The extent file's path, for messages and `format-specific`.
    let path: String
    let header: VMDKSparseHeader
    let grainBytes: UInt64
    /// The byte offset of the grain directory in the file.
    let directoryOffset: UInt64
    let directoryEntries: UInt64
    private let directoryCache = TableCache<UInt64, [UInt32]>(capacity: 16)
    private let tableCache = TableCache<UInt32, [UInt32]>(capacity: tableCacheCapacity)
    private let grainCache = TableCache<UInt64, [UInt8]>(capacity: grainCacheCapacity)

    /// Sectors the extent holds (the header's capacity, as QEMU uses it).
    var sectors: UInt64 { header.capacity }
    /// The extent's size in bytes.
    var byteCount: UInt64 { header.capacity << 9 }

    /// Reads and checks the header (and footer) of the sparse extent in `source`.
    static func open(_ source: any ByteSource, path: String) throws -> VMDKSparseExtent {
        let first = try source.window(at: 0, count: VMDKSparseHeader.length, what: "sparse extent header")
        var header = try VMDKSparseHeader.parse(first)
        if header.gdOffset == VMDKSparseHeader.grainDirectoryAtEnd {
            header = try readFooter(source)
        }
        guard header.version >= 1, header.version <= 3 else {
            throw ImageError.invalid(.unsupported, "sparse extent version", at: header.fileOffset + 4,
                                     "\(header.version) is not 1, 2 or 3")
        }
        guard header.capacity <= maxCapacitySectors else {
            throw ImageError.invalid(.limit, "capacity", at: header.fileOffset + 12,
                                     "\(header.capacity) sectors is more than the \(maxCapacitySectors)-sector limit")
        }
        guard header.grainSize > 0, header.grainSize <= maxGrainSectors else {
            throw ImageError.invalid(.outOfRange, "grainSize", at: header.fileOffset + 20,
                                     "\(header.grainSize) sectors is not between 1 and \(maxGrainSectors)")
        }
        guard header.numGTEsPerGT > 0, header.numGTEsPerGT <= maxGTEsPerGT else {
            throw ImageError.invalid(.outOfRange, "numGTEsPerGT", at: header.fileOffset + 44,
                                     "\(header.numGTEsPerGT) is not between 1 and \(maxGTEsPerGT)")
        }
        if header.compressed && header.grainSize << 9 > UInt64(Decompression.maxOutput) {
            throw ImageError.invalid(.limit, "grainSize", at: header.fileOffset + 20,
                                     "compressed grains of \(header.grainSize) sectors are larger than the \(Decompression.maxOutput)-byte limit")
        }
        let (overheadBytes, overheadOverflow) = header.overHead.multipliedReportingOverflow(by: 512)
        guard !overheadOverflow, overheadBytes <= source.size else {
            throw ImageError.invalid(.truncated, "overHead", at: header.fileOffset + 64,
                                     "the file is truncated: \(header.overHead) sectors of metadata, but the file has \(source.size) bytes")
        }
        // Both factors are bounded above, so neither product overflows.
        let sectorsPerTable = UInt64(header.numGTEsPerGT) * header.grainSize
        let entries = (header.capacity + sectorsPerTable - 1) / sectorsPerTable
        guard entries <= maxDirectoryEntries else {
            throw ImageError.invalid(.limit, "grain directory", at: header.fileOffset + 56,
                                     "\(entries) entries is more than the \(maxDirectoryEntries)-entry limit")
        }
        let (gdBytes, gdOverflow) = header.gdOffset.multipliedReportingOverflow(by: 512)
        let (gdEnd, endOverflow) = gdBytes.addingReportingOverflow(entries * 4)
        guard !gdOverflow, !endOverflow, gdEnd <= source.size else {
            throw ImageError.invalid(.truncated, "grain directory", at: header.fileOffset + 56,
                                     "sector \(header.gdOffset) with \(entries) entries lies past the end of the file (size \(source.size))")
        }
        if entries > 0 && header.gdOffset == 0 {
            throw ImageError.invalid(.outOfRange, "gdOffset", at: header.fileOffset + 56, "the grain directory is at sector 0, over the header")
        }
        return VMDKSparseExtent(source: source, path: path, header: header, grainBytes: header.grainSize << 9,
                                directoryOffset: gdBytes, directoryEntries: entries)
    }

    /// The footer of a streamOptimized image: a footer marker, a copy of the header holding the
    /// real grain directory offset, and the end-of-stream marker, in the file's last 3 sectors.
    private static func readFooter(_ source: any ByteSource) throws -> VMDKSparseHeader {
        guard source.size >= 1536 + 512 else {
            throw ImageError(.truncated, offset: 0, "the grain directory is at the end, but the file (size \(source.size)) is too small to hold a footer")
        }
        let start = source.size - 1536
        let footer = try source.window(at: start, count: 1536, what: "streamOptimized footer")
        guard try footer.u32le(8) == 0, try footer.u32le(12) == 3 else {
            throw ImageError.invalid(.badMagic, "footer marker", at: start, "not a footer marker (type 3, size 0)")
        }
        guard try footer.u64le(1024) == 0, try footer.u32le(1032) == 0, try footer.u32le(1036) == 0 else {
            throw ImageError.invalid(.badMagic, "end-of-stream marker", at: start + 1024, "not an end-of-stream marker")
        }
        let copy = ByteWindow(Array(try footer.slice(512, 512)), at: start + 512)
        let header = try VMDKSparseHeader.parse(copy)
        guard header.gdOffset != VMDKSparseHeader.grainDirectoryAtEnd else {
            throw ImageError.invalid(.invalid, "footer gdOffset", at: start + 512 + 56, "the footer too says the grain directory is at the end")
        }
        return header
    }

    /// Where the bytes at `offset` within this extent live, and for how long (at most to the end of
    /// the grain; the caller bounds it by the extent's end).
    func locate(_ offset: UInt64) throws -> GuestExtent {
        let sector = offset >> 9
        let grainIndex = sector / header.grainSize
        let inGrain = offset - grainIndex * grainBytes
        let length = grainBytes - inGrain
        let directoryIndex = grainIndex / UInt64(header.numGTEsPerGT)
        let tableIndex = Int(grainIndex % UInt64(header.numGTEsPerGT))
        let tableSector = try directoryEntry(directoryIndex)
        guard tableSector != 0 else { return GuestExtent(.unallocated, length: length) }
        let table = try grainTable(at: tableSector, directoryIndex: directoryIndex)
        guard tableIndex < table.count else {
            throw ImageError(.truncated, offset: UInt64(tableSector) << 9, "grain table at sector \(tableSector) is shorter than \(header.numGTEsPerGT) entries")
        }
        let grainSector = UInt64(table[tableIndex])
        if grainSector == 0 { return GuestExtent(.unallocated, length: length) }
        if grainSector == 1 && header.hasZeroedGrains { return GuestExtent(.zero, length: length) }
        let grainOffset = grainSector << 9
        if header.compressed {
            let bytes = try grainCache.value(for: grainOffset) {
                try compressedGrain(at: grainOffset, grainStart: grainIndex * grainBytes)
            }
            return GuestExtent(.decoded(bytes, start: Int(inGrain)), length: length)
        }
        return GuestExtent(.data(source, offset: grainOffset + inGrain), length: length)
    }

    /// The grain table sector for directory entry `index` (0: no table, the grains are unallocated).
    private func directoryEntry(_ index: UInt64) throws -> UInt32 {
        guard index < directoryEntries else {
            throw ImageError(.outOfRange, offset: directoryOffset, "grain directory entry \(index) is past its \(directoryEntries) entries")
        }
        let chunk = index / Self.directoryChunkEntries
        let entries = try directoryCache.value(for: chunk) {
            let first = chunk * Self.directoryChunkEntries
            let count = min(Self.directoryChunkEntries, directoryEntries - first)
            let window = try source.window(at: directoryOffset + first * 4, count: Int(count * 4), what: "grain directory")
            return try (0..<Int(count)).map { try window.u32le($0 * 4) }
        }
        let position = Int(index - chunk * Self.directoryChunkEntries)
        guard position < entries.count else { return 0 }
        return entries[position]
    }

    /// The grain table at `sector`, read once and cached.
    private func grainTable(at sector: UInt32, directoryIndex: UInt64) throws -> [UInt32] {
        try tableCache.value(for: sector) {
            let offset = UInt64(sector) << 9
            let count = Int(header.numGTEsPerGT)
            guard offset + UInt64(count * 4) <= source.size else {
                throw ImageError(.truncated, offset: directoryOffset + directoryIndex * 4,
                                 "grain table at offset \(offset) (grain directory entry \(directoryIndex)) lies past the end of the file (size \(source.size))")
            }
            let window = try source.window(at: offset, count: count * 4, what: "grain table")
            return try (0..<count).map { try window.u32le($0 * 4) }
        }
    }

    /// Reads and inflates the compressed grain at `offset`: with markers, an 8-byte LBA and a
    /// 4-byte size precede the zlib stream; without, the stream starts at once.
    private func compressedGrain(at offset: UInt64, grainStart: UInt64) throws -> [UInt8] {
        let full = Int(grainBytes)
        // The last grain of an extent whose size is not a multiple of the grain is stored short
        // by QEMU (VMware pads it); every other grain must inflate to exactly a grain.
        let short = grainStart < byteCount ? Int(min(grainBytes, byteCount - grainStart)) : full
        let data: ArraySlice<UInt8>
        if header.hasMarkers {
            let marker = try source.window(at: offset, count: Self.grainMarkerHeaderLength, what: "grain marker")
            let size = UInt64(try marker.u32le(8))
            guard size > 0, size <= 2 * grainBytes else {
                throw ImageError.invalid(.outOfRange, "compressed grain size", at: offset + 8,
                                         "\(size) bytes is not between 1 and twice the \(grainBytes)-byte grain")
            }
            let bytes = try source.readExactly(at: offset + UInt64(Self.grainMarkerHeaderLength), count: Int(size),
                                               what: "compressed grain")
            data = bytes[...]
        } else {
            data = try source.read(at: offset, count: 2 * full)[...]
        }
        do {
            if short < full, let grain = try? Decompression.inflate(data, expected: short, wrapping: .zlib) {
                return grain + [UInt8](repeating: 0, count: full - short)
            }
            return try Decompression.inflate(data, expected: full, wrapping: .zlib)
        } catch let error as ImageError {
            throw ImageError(error.kind, offset: offset, "compressed grain at offset \(offset): \(error.message)")
        }
    }
}
