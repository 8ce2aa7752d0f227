/// The guest's view of a qcow2 image: the L1 table read once, L2 tables and decompressed
/// clusters through small caches. Standard and extended (subcluster) L2 entries, zero clusters,
/// zlib and zstd compressed clusters, and external data files.
struct QCOW2ClusterMap: Sendable {
    let image: any ByteSource
    /// Where uncompressed clusters live: the image itself, or its external data file.
    let data: any ByteSource
    let externalData: Bool
    let clusterBits: UInt32
    let l2Bits: UInt32
    let extendedL2: Bool
    let zeroFlagSupported: Bool
    let zstd: Bool
    let l1: [UInt64]
    let l2Tables: TableCache<UInt64, ByteWindow>
    let clusters: TableCache<UInt64, [UInt8]>

    /// Bits 9–55 of L1 and standard L2 entries: a cluster-aligned host offset.
    static let offsetMask: UInt64 = 0x00FF_FFFF_FFFF_FE00
    static let compressedFlag: UInt64 = 1 << 62
    static let copiedFlag: UInt64 = 1 << 63
    /// Memory koopack spends on cached L2 tables: 32 MiB, sixteen 2 MiB tables or 512 of 64 KiB.
    static let l2CacheBytes: UInt64 = 32 << 20
    /// Memory koopack spends on decompressed clusters: 16 MiB.
    static let clusterCacheBytes: UInt64 = 16 << 20
    /// Subclusters per cluster with extended L2 entries.
    static let subclusters: UInt64 = 32

    var clusterSize: UInt64 { 1 << UInt64(clusterBits) }

    init(image: any ByteSource, data: any ByteSource, header: QCOW2Header) throws {
        self.image = image
        self.data = data
        externalData = header.hasExternalDataFile
        clusterBits = header.clusterBits
        l2Bits = header.l2Bits
        extendedL2 = header.hasExtendedL2
        zeroFlagSupported = header.version >= 3
        zstd = header.compressionType == 1
        try header.checkL1Table(fileSize: image.size)
        let w = try image.window(at: header.l1TableOffset, count: Int(header.l1Size) * 8, what: "L1 table")
        l1 = try (0..<Int(header.l1Size)).map { try w.u64be($0 * 8) }
        let clusterSize = header.clusterSize
        l2Tables = TableCache(capacity: Int(max(4, Self.l2CacheBytes / clusterSize)))
        clusters = TableCache(capacity: Int(max(2, Self.clusterCacheBytes / clusterSize)))
    }

    /// Where the guest bytes from `guest` on live, up to the end of their cluster or subcluster run.
    func locate(_ guest: UInt64) throws -> GuestExtent {
        let inCluster = guest & (clusterSize - 1)
        let rest = clusterSize - inCluster
        let l1Index = guest >> UInt64(clusterBits + l2Bits)
        // Past the L1 table or under an L1 entry with no L2 table: nothing is allocated up to the
        // end of that entry's range (a whole L2 table's worth of clusters).
        let l1Span = clusterSize << UInt64(l2Bits)
        let restOfL1 = l1Span - (guest & (l1Span - 1))
        guard l1Index < UInt64(l1.count) else { return GuestExtent(.unallocated, length: restOfL1) }
        let l1Entry = l1[Int(l1Index)]
        let l2Offset = l1Entry & Self.offsetMask
        guard l2Offset != 0 else { return GuestExtent(.unallocated, length: restOfL1) }
        let l2 = try l2Table(at: l2Offset, l1Index: l1Index)
        let l2Index = (guest >> UInt64(clusterBits)) & ((1 << UInt64(l2Bits)) - 1)
        let entrySize = extendedL2 ? 16 : 8
        let entry = try l2.u64be(Int(l2Index) * entrySize)
        if entry & Self.compressedFlag != 0 {
            let cluster = try compressedCluster(entry, l2Index: l2Index, l2Offset: l2Offset)
            return GuestExtent(.decoded(cluster, start: Int(inCluster)), length: rest)
        }
        let host = entry & Self.offsetMask
        let mapped = host != 0 || (externalData && entry & Self.copiedFlag != 0)
        if mapped && host & (clusterSize - 1) != 0 {
            throw ImageError.invalid(.outOfRange, "L2 entry \(l2Index) of the table at \(l2Offset)", at: l2Offset + l2Index * UInt64(entrySize),
                                     "data cluster offset \(host) is not aligned to the \(clusterSize)-byte cluster")
        }
        if extendedL2 {
            let bitmap = try l2.u64be(Int(l2Index) * 16 + 8)
            return try subclusterExtent(bitmap: bitmap, host: mapped ? host : nil, inCluster: inCluster,
                                        l2Index: l2Index, l2Offset: l2Offset)
        }
        if zeroFlagSupported && entry & 1 != 0 {
            return GuestExtent(.zero, length: try rest + sameRun(after: l2Index, in: l2, as: .zero))
        }
        guard mapped else {
            return GuestExtent(.unallocated, length: try rest + sameRun(after: l2Index, in: l2, as: .unallocated))
        }
        return GuestExtent(.data(data, offset: host + inCluster), length: rest)
    }

    /// What a standard L2 entry says of its cluster, for joining neighbours into one run.
    private enum EntryKind { case zero, unallocated, other }

    private func kind(of entry: UInt64) -> EntryKind {
        if entry & Self.compressedFlag != 0 { return .other }
        if zeroFlagSupported && entry & 1 != 0 { return .zero }
        let mapped = entry & Self.offsetMask != 0 || (externalData && entry & Self.copiedFlag != 0)
        return mapped ? .other : .unallocated
    }

    /// Clusters after entry `index` of a standard L2 table that read the same way (zero, or
    /// unallocated), as bytes: a mostly empty disk then costs one lookup per run rather than
    /// one per cluster (what makes `convert` and zero-run tests fast). Stops at the table's end
    /// and after `runLimit` bytes, so a lookup never scans a whole 2 MiB table for one read.
    private func sameRun(after index: UInt64, in l2: ByteWindow, as wanted: EntryKind) throws -> UInt64 {
        let entries = UInt64(1) << UInt64(l2Bits)
        let most = max(1, Self.runLimit >> UInt64(clusterBits))
        var next = index + 1
        while next < entries, next - index <= most, kind(of: try l2.u64be(Int(next) * 8)) == wanted { next += 1 }
        return (next - index - 1) << UInt64(clusterBits)
    }

    /// The longest zero or unallocated run one lookup reports beyond its own cluster: 8 MiB.
    static let runLimit: UInt64 = 8 << 20

    /// The extent inside a cluster with extended L2 entries: bits 0–31 of `bitmap` mark allocated
    /// subclusters, bits 32–63 subclusters that read as zeros.
    private func subclusterExtent(bitmap: UInt64, host: UInt64?, inCluster: UInt64,
                                  l2Index: UInt64, l2Offset: UInt64) throws -> GuestExtent {
        let subclusterSize = clusterSize / Self.subclusters
        let first = inCluster / subclusterSize
        func state(_ index: UInt64) -> UInt64 { (bitmap >> index & 1) | (bitmap >> (index + 32) & 1) << 1 }
        let kind = state(first)
        var last = first
        while last + 1 < Self.subclusters && state(last + 1) == kind { last += 1 }
        let length = (last + 1) * subclusterSize - inCluster
        switch kind {
        case 0:
            return GuestExtent(.unallocated, length: length)
        case 1:
            guard let host else {
                throw ImageError(.outOfRange, offset: l2Offset,
                                 "L2 entry \(l2Index) of the table at \(l2Offset) marks subcluster \(first) allocated in an unallocated cluster")
            }
            return GuestExtent(.data(data, offset: host + inCluster), length: length)
        case 2:
            return GuestExtent(.zero, length: length)
        default:
            throw ImageError(.outOfRange, offset: l2Offset,
                             "L2 entry \(l2Index) of the table at \(l2Offset) marks subcluster \(first) both allocated and zero")
        }
    }

    /// The L2 table at `offset`, checked to be cluster-aligned and inside the image file.
    private func l2Table(at offset: UInt64, l1Index: UInt64) throws -> ByteWindow {
        guard offset & (clusterSize - 1) == 0 else {
            throw ImageError.invalid(.outOfRange, "L1 entry \(l1Index)", at: offset, "L2 table offset \(offset) is not aligned to the \(clusterSize)-byte cluster")
        }
        let (end, overflow) = offset.addingReportingOverflow(clusterSize)
        guard !overflow, end <= image.size else {
            throw ImageError.invalid(.truncated, "L1 entry \(l1Index)", at: offset,
                                     "L2 table at offset \(offset) lies past the end of the file (size \(image.size))")
        }
        return try l2Tables.value(for: offset) {
            try image.window(at: offset, count: Int(clusterSize), what: "L2 table")
        }
    }

    /// The decompressed cluster a compressed L2 entry describes. Its low bits give the byte
    /// offset of the compressed data in the image, the bits above them the number of additional
    /// 512-byte sectors it spans.
    private func compressedCluster(_ entry: UInt64, l2Index: UInt64, l2Offset: UInt64) throws -> [UInt8] {
        let shift = UInt64(62 - (clusterBits - 8))
        let offset = entry & ((1 << shift) - 1)
        let sectors = ((entry >> shift) & ((1 << UInt64(clusterBits - 8)) - 1)) + 1
        let length = sectors * 512 - (offset & 511)
        let expected = Int(clusterSize)
        return try clusters.value(for: offset) {
            let compressed = try image.read(at: offset, count: Int(length))
            guard !compressed.isEmpty else {
                throw ImageError(.truncated, offset: offset, "L2 entry \(l2Index) of the table at \(l2Offset): compressed cluster at offset \(offset) lies past the end of the file (size \(image.size))")
            }
            do {
                if zstd { return try Decompression.zstd(compressed[...], expected: expected) }
                return try Self.inflateCluster(compressed, expected: expected)
            } catch let error as ImageError {
                throw ImageError(error.kind, offset: offset, "L2 entry \(l2Index) of the table at \(l2Offset): compressed cluster at offset \(offset): \(error.message)")
            }
        }
    }

    /// Inflates a raw deflate cluster in one pass, refusing a stream that produces more than a
    /// cluster: the stream is inflated into one byte more than a cluster, so an overrun fills
    /// that byte; a stream that ends with the cluster exactly full is what qemu writes.
    static func inflateCluster(_ compressed: [UInt8], expected: Int) throws -> [UInt8] {
        let (bytes, produced) = try Decompression.inflateCounting(compressed[...], capacity: expected + 1)
        guard produced <= expected else {
            throw ImageError(.outOfRange, "compressed data inflates past the \(expected)-byte cluster")
        }
        guard produced == expected else {
            throw ImageError(.truncated, "compressed data inflates to \(produced) bytes, expected \(expected)")
        }
        return Array(bytes.prefix(expected))
    }
}
