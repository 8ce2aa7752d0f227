/// Bochs "growing" redolog images (what `bximage -imgmode=growing` writes), as QEMU's read-only
/// `bochs` driver (block/bochs.c) reads them: a 512-byte little-endian header, a catalog of
/// one 32-bit entry per extent (0xFFFFFFFF: not allocated), and per allocated extent a sector
/// bitmap followed by the extent's sectors. IMS does not import the format (KG113 says so).
public enum BochsFormat: ImageFormat {
    public static let name = "bochs"

    /// bochs_probe: the magic, type "Redolog" and subtype "Growing", each NUL-terminated, and
    /// version 1 or 2.
    public static func probe(_ input: ProbeInput) -> Int {
        guard input.head.count >= BochsHeader.length else { return 0 }
        return (try? BochsHeader.checkSignature(input.head)) != nil ? 100 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let header = try BochsHeader.read(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: header.virtualSize)
        info.formatSpecific = .object([("type", .string(name)), ("data", .object([
            ("version", .uint(UInt64(header.version >> 16))),
            ("header-size", .uint(UInt64(header.headerSize))),
            ("catalog-entries", .uint(UInt64(header.catalogEntries))),
            ("bitmap-size", .uint(UInt64(header.bitmapSize))),
            ("extent-size", .uint(UInt64(header.extentSize))),
            ("disk-size", .uint(header.diskSize)),
        ]))])
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let header = try BochsHeader.read(source)
        let catalog = try source.window(at: UInt64(header.headerSize), count: Int(header.catalogEntries) * 4, what: "bochs catalog")
        let bitmaps = TableCache<UInt64, ByteWindow>(capacity: 64)
        return BlockMappedDisk(size: header.virtualSize, backing: nil) { offset in
            try header.locate(offset, catalog: catalog, source: source, bitmaps: bitmaps)
        }
    }
}

/// The bochs header (block/bochs.c `struct bochs_header`; version 1 puts the disk size four
/// bytes earlier), checked as bochs_open checks it.
struct BochsHeader: Sendable {
    static let length = 512
    static let magic = "Bochs Virtual HD Image"
    static let version1: UInt32 = 0x0001_0000
    static let version2: UInt32 = 0x0002_0000
    /// bochs_open: at most 1 Mi catalog entries, "what the largest image bximage can create needs".
    static let maxCatalogEntries: UInt32 = 0x10_0000
    /// bochs_open: extents are a power of two from 512 bytes to 8 MiB.
    static let extentSizes: ClosedRange<UInt32> = 512...0x80_0000

    var version: UInt32
    var headerSize: UInt32
    var catalogEntries: UInt32
    var bitmapSize: UInt32
    var extentSize: UInt32
    var diskSize: UInt64

    /// `total_sectors = disk / 512`.
    var virtualSize: UInt64 { diskSize / 512 * 512 }
    /// Sectors each extent's bitmap and data take (`bitmap_blocks`, `extent_blocks`).
    var bitmapSectors: UInt64 { 1 + (UInt64(bitmapSize) &- 1) / 512 }
    var extentSectors: UInt64 { 1 + (UInt64(extentSize) - 1) / 512 }
    /// Where extent data begins: after the header and the catalog (`data_offset`).
    var dataOffset: UInt64 { UInt64(headerSize) + UInt64(catalogEntries) * 4 }

    /// Throws unless `w` holds the three NUL-terminated strings and a known version.
    @discardableResult
    static func checkSignature(_ w: ByteWindow) throws -> UInt32 {
        func field(_ o: Int, _ length: Int, _ expected: String) throws {
            let bytes = Array(try w.slice(o, length))
            let text = Array(expected.utf8)
            guard bytes.starts(with: text + [0]) else {
                throw ImageError.invalid(.invalid, "bochs header", at: UInt64(o), "does not hold \"\(expected)\"")
            }
        }
        try field(0, 32, magic)
        try field(32, 16, "Redolog")
        try field(48, 16, "Growing")
        let version = try w.u32le(64)
        guard version == version1 || version == version2 else {
            throw ImageError.invalid(.unsupported, "bochs version", at: 64, "0x\(String(version, radix: 16)) is neither 1.0 nor 2.0")
        }
        return version
    }

    static func read(_ source: any ByteSource) throws -> BochsHeader {
        let w = try source.window(at: 0, count: length, what: "bochs header")
        let version = try checkSignature(w)
        let header = BochsHeader(version: version, headerSize: try w.u32le(68), catalogEntries: try w.u32le(72),
                                 bitmapSize: try w.u32le(76), extentSize: try w.u32le(80),
                                 diskSize: version == version1 ? try w.u64le(84) : try w.u64le(88))
        guard header.catalogEntries <= maxCatalogEntries else {
            throw ImageError.invalid(.invalid, "bochs catalog size", at: 72, "\(header.catalogEntries) entries is more than \(maxCatalogEntries)")
        }
        guard extentSizes.contains(header.extentSize), header.extentSize & (header.extentSize - 1) == 0 else {
            throw ImageError.invalid(.invalid, "bochs extent size", at: 80, "\(header.extentSize) is not a power of two from 512 to \(extentSizes.upperBound)")
        }
        let needed = (header.virtualSize / 512 + header.extentSectors - 1) / header.extentSectors
        guard UInt64(header.catalogEntries) >= needed else {
            throw ImageError.invalid(.invalid, "bochs catalog size", at: 72, "\(header.catalogEntries) entries cannot cover a \(header.virtualSize)-byte disk of \(header.extentSize)-byte extents")
        }
        guard header.headerSize >= UInt32(length) else {
            throw ImageError.invalid(.invalid, "bochs header size", at: 68, "\(header.headerSize) is less than the \(length)-byte header")
        }
        return header
    }

    /// seek_to_sector: the catalog entry of the offset's extent, then the extent's bitmap bit
    /// for the sector; a run covers the following sectors with the same bit.
    func locate(_ offset: UInt64, catalog: ByteWindow, source: any ByteSource,
                bitmaps: TableCache<UInt64, ByteWindow>) throws -> GuestExtent {
        let extentIndex = offset / UInt64(extentSize)
        let inExtent = offset % UInt64(extentSize)
        let rest = UInt64(extentSize) - inExtent
        let entry = try catalog.u32le(Int(extentIndex) * 4)
        guard entry != 0xFFFF_FFFF else { return GuestExtent(.zero, length: rest) }
        let (start, overflow) = (UInt64(entry) * (extentSectors + bitmapSectors) * 512).addingReportingOverflow(dataOffset)
        guard !overflow else {
            throw ImageError.invalid(.outOfRange, "bochs catalog entry \(extentIndex)", at: UInt64(headerSize) + extentIndex * 4, "\(entry) puts the extent past any file")
        }
        let bitmap = try bitmaps.value(for: extentIndex) {
            ByteWindow(try source.read(at: start, count: Int(bitmapSectors * 512)), at: start)
        }
        let sector = inExtent / 512
        func bit(_ s: UInt64) -> Bool {
            guard s / 8 < UInt64(bitmap.count) else { return false }
            return bitmap.bytes[Int(s / 8)] >> (s % 8) & 1 != 0
        }
        let stored = bit(sector)
        var last = sector
        while (last + 1) * 512 < UInt64(extentSize), bit(last + 1) == stored { last += 1 }
        let length = (last + 1) * 512 - inExtent
        guard stored else { return GuestExtent(.zero, length: length) }
        return GuestExtent(.data(source, offset: start + bitmapSectors * 512 + inExtent), length: length)
    }
}
