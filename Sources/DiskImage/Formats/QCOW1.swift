/// The original QEMU copy-on-write format, version 1 (`qcow`): a 48-byte big-endian header, a
/// backing file named in the header, and a two-level cluster map (L1 table, L2 tables) whose
/// entries may point to deflate-compressed clusters. Superseded by qcow2 but still imported.
public enum QCOW1Format: ImageFormat {
    public static let name = "qcow"

    /// `QFI\xfb`, shared with qcow2; the version field tells them apart.
    static let magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]
    /// The only version this format has.
    static let version: UInt32 = 1
    /// Bytes of the fixed header.
    static let headerLength = 48
    /// QEMU refuses a backing file name longer than this; a longer one is damage.
    static let maxBackingNameLength: UInt32 = 1023
    /// Cluster sizes QEMU accepts: 512 bytes to 64 KiB.
    static let clusterBitsRange: ClosedRange<UInt8> = 9...16
    /// L2 table sizes QEMU accepts: 64 to 8192 entries (512 bytes to 64 KiB per table).
    static let l2BitsRange: ClosedRange<UInt8> = 6...13
    /// The largest L1 table koopack accepts, in entries: QEMU's own limit (`INT_MAX / 8`). Only
    /// its bounds are checked at inspection; entries are read one cluster-map slice at a time.
    static let maxL1Entries: UInt64 = UInt64(Int32.max) / 8
    /// Bit 63 of an L2 entry: the cluster is deflate-compressed.
    static let compressedFlag: UInt64 = 1 << 63

    /// The header fields, as the file stores them.
    struct Header: Sendable {
        var backingFileOffset: UInt64
        var backingFileSize: UInt32
        var mtime: UInt32
        var size: UInt64
        var clusterBits: UInt8
        var l2Bits: UInt8
        var cryptMethod: UInt32
        var l1TableOffset: UInt64
        /// Entries in the L1 table, derived from the size.
        var l1Entries: UInt64

        var clusterSize: UInt64 { 1 << UInt64(clusterBits) }
        var l2Entries: UInt64 { 1 << UInt64(l2Bits) }
    }

    public static func probe(_ input: ProbeInput) -> Int {
        guard input.head.matches(magic, at: 0), let version = try? input.head.u32be(4) else { return 0 }
        return version == Self.version ? 100 : 0
    }

    /// Reads and checks the header: the fields QEMU checks, the L1 table inside the file, and
    /// the backing file name.
    static func readHeader(_ source: any ByteSource) throws -> Header {
        let w = try source.window(at: 0, count: headerLength, what: "qcow header")
        guard w.matches(magic, at: 0) else {
            throw ImageError.invalid(.badMagic, "qcow magic", at: 0, "is not QFI\\xfb")
        }
        let version = try w.u32be(4)
        guard version == Self.version else {
            throw ImageError.invalid(.unsupported, "qcow version", at: 4, "is \(version), only version 1 is qcow (2 and 3 are qcow2)")
        }
        var header = Header(
            backingFileOffset: try w.u64be(8), backingFileSize: try w.u32be(16), mtime: try w.u32be(20),
            size: try w.u64be(24), clusterBits: try w.u8(32), l2Bits: try w.u8(33),
            cryptMethod: try w.u32be(36), l1TableOffset: try w.u64be(40), l1Entries: 0)
        guard clusterBitsRange.contains(header.clusterBits) else {
            throw ImageError.invalid(.outOfRange, "cluster_bits", at: 32, "is \(header.clusterBits), must be 9 to 16")
        }
        guard l2BitsRange.contains(header.l2Bits) else {
            throw ImageError.invalid(.outOfRange, "l2_bits", at: 33, "is \(header.l2Bits), must be 6 to 13")
        }
        guard header.size > 1 else {
            throw ImageError.invalid(.outOfRange, "size", at: 24, "is \(header.size), an image must hold at least 2 bytes")
        }
        guard header.cryptMethod <= 1 else {
            throw ImageError.invalid(.outOfRange, "crypt_method", at: 36, "is \(header.cryptMethod), only 0 (none) and 1 (AES) exist")
        }
        let shift = UInt64(header.clusterBits) + UInt64(header.l2Bits)
        let span: UInt64 = 1 << shift
        let (roundedUp, overflow) = header.size.addingReportingOverflow(span - 1)
        guard !overflow else {
            throw ImageError.invalid(.outOfRange, "size", at: 24, "\(header.size) is too large for the cluster map")
        }
        header.l1Entries = roundedUp >> shift
        guard header.l1Entries <= maxL1Entries else {
            throw ImageError.invalid(.outOfRange, "size", at: 24,
                                     "\(header.size) needs \(header.l1Entries) L1 entries, more than \(maxL1Entries)")
        }
        // l1Entries <= Int32.max / 8, so the byte count cannot overflow.
        let l1Bytes = header.l1Entries * 8
        let (l1End, endOverflow) = header.l1TableOffset.addingReportingOverflow(l1Bytes)
        guard !endOverflow, l1End <= source.size else {
            throw ImageError.invalid(endOverflow ? .outOfRange : .truncated, "L1 table", at: 40,
                "\(l1Bytes) bytes at offset \(header.l1TableOffset) lie past the end of the file (size \(source.size))")
        }
        return header
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let header = try readHeader(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: header.size / 512 * 512)
        info.clusterSize = header.clusterSize
        info.dirty = false
        if header.cryptMethod == 1 {
            info.encrypted = true
            info.encryptionFormat = .aes
        }
        if header.size % 512 != 0 {
            info.warnings.append("size \(header.size) is not a multiple of 512; the guest sees \(info.virtualSize) bytes")
        }
        if header.backingFileOffset != 0 {
            info.backingFilename = try readBackingName(source, header: header)
        }
        info.formatSpecific = .object([
            ("type", .string(name)),
            ("data", .object([
                ("cluster-bits", .uint(UInt64(header.clusterBits))),
                ("l2-bits", .uint(UInt64(header.l2Bits))),
                ("l1-table-offset", .uint(header.l1TableOffset)),
                ("l1-entries", .uint(header.l1Entries)),
                ("mtime", .uint(UInt64(header.mtime))),
                ("encryption", .string(header.cryptMethod == 1 ? "aes" : "none")),
            ])),
        ])
        return info
    }

    /// The backing file name stored at `backing_file_offset`.
    static func readBackingName(_ source: any ByteSource, header: Header) throws -> String {
        guard header.backingFileSize <= maxBackingNameLength else {
            throw ImageError.invalid(.outOfRange, "backing_file_size", at: 16,
                                     "is \(header.backingFileSize), longer than the \(maxBackingNameLength)-byte limit")
        }
        let bytes = try source.readExactly(at: header.backingFileOffset, count: Int(header.backingFileSize),
                                           what: "backing file name")
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let header = try readHeader(source)
        guard header.cryptMethod == 0 else {
            throw ImageError.invalid(.unsupported, "crypt_method", at: 36, "the guest data is AES-encrypted; koopack does not decrypt it")
        }
        let map = QCOW1ClusterMap(source: source, header: header)
        return BlockMappedDisk(size: header.size / 512 * 512, backing: backing) { offset in
            try map.locate(offset)
        }
    }
}

/// The qcow cluster map: finds where a guest offset lives, reading L2 tables (and inflating
/// compressed clusters) through small caches.
struct QCOW1ClusterMap: Sendable {
    let source: any ByteSource
    let header: QCOW1Format.Header
    /// Recently used L2 tables, by L1 index (64 × at most 64 KiB).
    let l2Tables = TableCache<UInt64, [UInt64]>(capacity: 64)
    /// Recently inflated clusters, by their L2 entry (16 × at most 64 KiB).
    let clusters = TableCache<UInt64, [UInt8]>(capacity: 16)

    init(source: any ByteSource, header: QCOW1Format.Header) {
        self.source = source
        self.header = header
    }

    /// The L2 table that L1 entry `index` points to, or nil when that range is unallocated.
    func l2Table(_ index: UInt64) throws -> [UInt64]? {
        let entryOffset = header.l1TableOffset + index * 8  // inside the file, checked by readHeader
        let l1 = try source.window(at: entryOffset, count: 8, what: "L1 entry \(index)").u64be(0)
        if l1 == 0 { return nil }
        let table = try l2Tables.value(for: l1) {
            let bytes = Int(header.l2Entries * 8)
            let (end, overflow) = l1.addingReportingOverflow(UInt64(bytes))
            guard !overflow, end <= source.size else {
                throw ImageError.invalid(.truncated, "L1 entry \(index)", at: entryOffset,
                    "L2 table at offset \(l1) lies past the end of the file (size \(source.size))")
            }
            let w = try source.window(at: l1, count: bytes, what: "L2 table")
            return try (0..<Int(header.l2Entries)).map { try w.u64be($0 * 8) }
        }
        return table
    }

    /// Where the guest bytes at `offset` live, and how far that run goes (never past an L2 table).
    func locate(_ offset: UInt64) throws -> GuestExtent {
        let clusterSize = header.clusterSize
        let clusterIndex = offset >> UInt64(header.clusterBits)
        let within = offset & (clusterSize - 1)
        let l1Index = clusterIndex >> UInt64(header.l2Bits)
        let l2Index = Int(clusterIndex & (header.l2Entries - 1))
        guard l1Index < header.l1Entries else {
            return GuestExtent(.unallocated, length: clusterSize - within)
        }
        guard let table = try l2Table(l1Index) else {
            let remaining = (header.l2Entries - UInt64(l2Index)) * clusterSize - within
            return GuestExtent(.unallocated, length: remaining)
        }
        let entry = table[l2Index]
        if entry & QCOW1Format.compressedFlag != 0 {
            let bytes = try compressedCluster(entry)
            return GuestExtent(.decoded(bytes, start: Int(within)), length: clusterSize - within)
        }
        // Runs of unallocated clusters, or of clusters stored one after another, are one extent.
        var run = 1
        while l2Index + run < table.count {
            let next = table[l2Index + run]
            if entry == 0 ? next != 0 : next != entry + UInt64(run) * clusterSize { break }
            run += 1
        }
        let length = UInt64(run) * clusterSize - within
        if entry == 0 { return GuestExtent(.unallocated, length: length) }
        guard entry < source.size else {
            throw ImageError(.truncated, offset: header.l1TableOffset,
                "L2 entry for guest offset \(offset) points to cluster offset \(entry), past the end of the file (size \(source.size))")
        }
        return GuestExtent(.data(source, offset: entry + within), length: length)
    }

    /// Inflates the compressed cluster that L2 `entry` describes.
    func compressedCluster(_ entry: UInt64) throws -> [UInt8] {
        try clusters.value(for: entry) {
            let offsetBits = 63 - UInt64(header.clusterBits)
            let position = entry & ((1 << offsetBits) - 1)
            let length = (entry >> offsetBits) & (header.clusterSize - 1)
            guard length > 0 else {
                throw ImageError(.outOfRange, offset: position, "compressed cluster at offset \(position) has length 0")
            }
            let (end, overflow) = position.addingReportingOverflow(length)
            guard !overflow, end <= source.size else {
                throw ImageError(.truncated, offset: position,
                    "compressed cluster of \(length) bytes at offset \(position) lies past the end of the file (size \(source.size))")
            }
            let data = try source.readExactly(at: position, count: Int(length), what: "compressed cluster")
            do {
                return try Decompression.inflate(data[...], expected: Int(header.clusterSize), wrapping: .raw)
            } catch let error as ImageError {
                throw ImageError(error.kind, offset: position, "compressed cluster at offset \(position): \(error.message)")
            }
        }
    }
}
