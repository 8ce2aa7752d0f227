/// Parallels disk images (`parallels`, `.hdd`): a 64-byte little-endian header followed by a
/// block allocation table (BAT) of 32-bit entries, one per cluster, each giving where the
/// cluster's data starts in the file (0 for a cluster that was never written).
public enum ParallelsFormat: ImageFormat {
    public static let name = "parallels"

    /// The original signature: BAT entries count 512-byte sectors and the size is 32 bits.
    static let magicSectors: [UInt8] = Array("WithoutFreeSpace".utf8)
    /// The extended signature: BAT entries count clusters and the size is 64 bits.
    static let magicClusters: [UInt8] = Array("WithouFreSpacExt".utf8)
    /// The only header version there is.
    static let version: UInt32 = 2
    /// Bytes of the fixed header; the BAT follows it.
    static let headerLength = 64
    /// The `inuse` value that marks an image not closed cleanly ("Ynot").
    static let inUseMagic: UInt32 = 0x746F_6E59
    /// QEMU's limit on sectors per cluster (`INT32_MAX / 513`), which keeps cluster arithmetic in range.
    static let maxSectorsPerCluster: UInt32 = UInt32(Int32.max) / 513
    /// QEMU's limit on BAT entries (`INT_MAX / 4`): the whole table must fit in memory there.
    static let maxBATEntries: UInt32 = UInt32(Int32.max) / 4
    /// BAT entries read and cached at once (32 KiB): a 1 TiB image has a 4 MiB BAT, which the
    /// guest reader reads in slices rather than whole.
    static let batSliceEntries: UInt64 = 8192

    /// The header fields, as the file stores them.
    struct Header: Sendable {
        var extended: Bool
        var heads: UInt32
        var cylinders: UInt32
        var sectorsPerCluster: UInt32
        var batEntries: UInt32
        var sectors: UInt64
        var inUse: UInt32
        var dataOffset: UInt32
        var flags: UInt32
        var extensionOffset: UInt64

        var clusterSize: UInt64 { UInt64(sectorsPerCluster) * 512 }
        /// What one BAT entry counts in, in 512-byte sectors.
        var entryUnit: UInt64 { extended ? UInt64(sectorsPerCluster) : 1 }
        var dirty: Bool { inUse == ParallelsFormat.inUseMagic }
    }

    public static func probe(_ input: ProbeInput) -> Int {
        guard input.head.matches(magicSectors, at: 0) || input.head.matches(magicClusters, at: 0),
              let version = try? input.head.u32le(16) else { return 0 }
        return version == Self.version ? 100 : 0
    }

    /// Reads and checks the header and that the BAT lies inside the file.
    static func readHeader(_ source: any ByteSource) throws -> Header {
        let w = try source.window(at: 0, count: headerLength, what: "Parallels header")
        let extended: Bool
        if w.matches(magicClusters, at: 0) {
            extended = true
        } else if w.matches(magicSectors, at: 0) {
            extended = false
        } else {
            throw ImageError.invalid(.badMagic, "Parallels magic", at: 0, "is neither WithoutFreeSpace nor WithouFreSpacExt")
        }
        let version = try w.u32le(16)
        guard version == Self.version else {
            throw ImageError.invalid(.unsupported, "version", at: 16, "is \(version), only version 2 exists")
        }
        var header = Header(
            extended: extended, heads: try w.u32le(20), cylinders: try w.u32le(24),
            sectorsPerCluster: try w.u32le(28), batEntries: try w.u32le(32), sectors: try w.u64le(36),
            inUse: try w.u32le(44), dataOffset: try w.u32le(48), flags: try w.u32le(52),
            extensionOffset: try w.u64le(56))
        if !extended { header.sectors &= 0xFFFF_FFFF }
        guard header.sectorsPerCluster > 0, header.sectorsPerCluster <= maxSectorsPerCluster else {
            throw ImageError.invalid(.outOfRange, "tracks (sectors per cluster)", at: 28,
                                     "is \(header.sectorsPerCluster), must be 1 to \(maxSectorsPerCluster)")
        }
        guard header.batEntries <= maxBATEntries else {
            throw ImageError.invalid(.outOfRange, "bat_entries", at: 32, "is \(header.batEntries), more than the \(maxBATEntries) QEMU allows")
        }
        guard header.sectors <= UInt64.max / 512 else {
            throw ImageError.invalid(.outOfRange, "nb_sectors", at: 36, "is \(header.sectors), too many to be a size in bytes")
        }
        guard header.extensionOffset <= UInt64.max / 512 else {
            throw ImageError.invalid(.outOfRange, "ext_off", at: 56, "is \(header.extensionOffset) sectors, too many to be an offset in bytes")
        }
        let batEnd = UInt64(headerLength) + UInt64(header.batEntries) * 4
        guard batEnd <= source.size else {
            throw ImageError.invalid(.truncated, "bat_entries", at: 32,
                "BAT of \(header.batEntries) entries ends at offset \(batEnd), past the end of the file (size \(source.size))")
        }
        return header
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let header = try readHeader(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: header.sectors * 512)
        info.clusterSize = header.clusterSize
        // QEMU prints no dirty flag for this format; koopack reports the unclean mark when set.
        if header.dirty {
            info.dirty = true
            info.warnings.append("the inuse field marks the image as not closed cleanly")
        }
        let covered = UInt64(header.batEntries) * header.clusterSize
        if covered < info.virtualSize {
            info.warnings.append("the BAT covers \(covered) bytes of the \(info.virtualSize)-byte disk; the rest reads as zeros")
        }
        info.formatSpecific = .object([
            ("type", .string(name)),
            ("data", .object([
                ("signature", .string(header.extended ? "WithouFreSpacExt" : "WithoutFreeSpace")),
                ("heads", .uint(UInt64(header.heads))),
                ("cylinders", .uint(UInt64(header.cylinders))),
                ("sectors-per-cluster", .uint(UInt64(header.sectorsPerCluster))),
                ("bat-entries", .uint(UInt64(header.batEntries))),
                ("data-offset", .uint(UInt64(header.dataOffset) * 512)),
                ("flags", .uint(UInt64(header.flags))),
                ("extension-offset", .uint(header.extensionOffset * 512)),
                ("in-use", .bool(header.dirty)),
            ])),
        ])
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let map = ParallelsBlockMap(source: source, header: try readHeader(source))
        return BlockMappedDisk(size: map.header.sectors * 512, backing: backing) { offset in
            try map.locate(offset)
        }
    }
}

/// The Parallels BAT, read in cached slices.
struct ParallelsBlockMap: Sendable {
    let source: any ByteSource
    let header: ParallelsFormat.Header
    /// Recently used BAT slices, by slice number (32 × 32 KiB).
    let slices = TableCache<UInt64, [UInt32]>(capacity: 32)

    init(source: any ByteSource, header: ParallelsFormat.Header) {
        self.source = source
        self.header = header
    }

    /// Where the guest bytes at `offset` live, and how far that run goes (never past a slice).
    func locate(_ offset: UInt64) throws -> GuestExtent {
        let clusterSize = header.clusterSize
        let cluster = offset / clusterSize
        let within = offset % clusterSize
        guard cluster < UInt64(header.batEntries) else {
            // Past the BAT: QEMU reads this as unallocated.
            return GuestExtent(.unallocated, length: clusterSize - within)
        }
        let perSlice = ParallelsFormat.batSliceEntries
        let sliceIndex = cluster / perSlice
        let entries = try slices.value(for: sliceIndex) {
            let first = sliceIndex * perSlice
            let count = min(perSlice, UInt64(header.batEntries) - first)
            let w = try source.window(at: UInt64(ParallelsFormat.headerLength) + first * 4, count: Int(count * 4),
                                      what: "Parallels BAT")
            return try (0..<Int(count)).map { try w.u32le($0 * 4) }
        }
        let position = Int(cluster - sliceIndex * perSlice)
        let entry = UInt64(entries[position])
        let unit = header.entryUnit
        var run = 1
        while position + run < entries.count {
            let next = UInt64(entries[position + run])
            // Values stay below 2^32 × 2^22, so none of this overflows.
            let contiguous = next * unit == entry * unit + UInt64(run) * UInt64(header.sectorsPerCluster)
            if entry == 0 ? next != 0 : !contiguous { break }
            run += 1
        }
        let length = UInt64(run) * clusterSize - within
        if entry == 0 { return GuestExtent(.unallocated, length: length) }
        // entry < 2^32 and unit < 2^22, so the sector number fits; × 512 fits in 64 bits.
        let start = entry * unit * 512
        guard start < source.size else {
            throw ImageError(.truncated, offset: UInt64(ParallelsFormat.headerLength) + cluster * 4,
                "BAT entry \(cluster) points to offset \(start), past the end of the file (size \(source.size))")
        }
        return GuestExtent(.data(source, offset: start + within), length: length)
    }
}
