/// Huawei Cloud's ZVHD2: what IMS exports private images as by default, and all its fast export
/// (needed above 128 GiB) writes. There is no written specification; the one public
/// implementation is the QEMU 2.3.0 block driver `src/zvhd2.c` (with `src/comp_wrapper.c`) in
/// the GitHub repository opnmind/ims-qemu-img, and the rules here come from it, function by
/// function. The layout: a header footer at 0, one record per stored 2 MiB block (each its own
/// zstd frame or zlib stream), a stale middle footer, the index (16-byte entries in 512 KiB
/// segments), the bitmap (one bit per block in 4 KiB segments) and the authoritative final
/// footer as the last 4 KiB. The guest is read through bitmap and index (`ZVHD2BlockMap`).
public enum ZVHD2Format: ImageFormat {
    public static let name = "zvhd2"

    /// zvhd2_probe: 100 when the file starts with the cookie and at least 7 bytes were given.
    public static func probe(_ input: ProbeInput) -> Int {
        input.head.count >= 7 && input.head.matches(ZVHDFooter.zvhd2Cookie, at: 0) ? 100 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let image = try ZVHD2Image.read(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: image.footer.virtualSize)
        info.originalSize = image.footer.originalSize
        info.clusterSize = UInt64(image.fields.blockSize)
        info.warnings = image.warnings
        info.corrupt = image.corrupt
        info.formatSpecific = image.formatSpecific
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        try ZVHD2GuestDisk(map: ZVHD2BlockMap(image: try ZVHD2Image.read(source), source: source))
    }
}

/// A ZVHD2 file's footers and bitmap, checked as the driver's read-only open checks them.
struct ZVHD2Image: Sendable {
    /// The bitmap koopack loads at most: 4 MiB, 32 Mi blocks of 2 MiB, a 64 TiB disk (IMS's
    /// largest is 1 TiB). The driver loads however many segments `max_blk_num` asks for.
    static let maxBitmapBytes: UInt64 = 4 << 20
    /// zvhd2.c `MIN_IMAGE_BLOCK_SHIFT` and `MAX_IMAGE_BLOCK_SHIFT`: zvhd2_open refuses other block sizes.
    static let blockSizes: ClosedRange<UInt32> = (1 << 20)...(1 << 25)

    /// The final footer, the one the driver reads its index from.
    var footer: ZVHDFooter
    var fields: ZVHD2FooterFields
    /// The footer at offset 0, as written when the image was created.
    var header: ZVHDFooter
    var bitmap: ZVHD2Bitmap
    var fileSize: UInt64
    var warnings: [String] = []
    var corrupt = false

    var zeroBlocksIndexed: Bool { fields.indexContainsZeroBlocks != 0 }

    /// Index entries the reader may look up: one per stored block, or, when zero blocks are
    /// indexed, every entry of the whole segments written for `max_blk_num` blocks
    /// (zvhd2_write_index writes whole segments; blocks of the GiB round-up past `max_blk_num`
    /// land in the last one).
    var indexEntries: UInt64 {
        guard zeroBlocksIndexed else { return UInt64(bitmap.storedBlocks) }
        let perSegment = ZVHD2Index.entriesPerSegment
        return (UInt64(fields.maxBlocks) + perSegment - 1) / perSegment * perSegment
    }

    /// Where records may lie: after the header footer, before the middle footer that precedes
    /// the index and bitmap.
    var dataArea: Range<UInt64> {
        let end = min(fields.indexOffset, fields.bitmapOffset)
        return ZVHDFooter.blockLength..<max(ZVHDFooter.blockLength, end >= 2 * ZVHDFooter.blockLength ? end - ZVHDFooter.blockLength : 0)
    }

    /// What the guest reader needs.
    var layout: ZVHD2Layout {
        ZVHD2Layout(bitmap: bitmap, zeroBlocksIndexed: zeroBlocksIndexed, indexOffset: fields.indexOffset,
                    indexEntries: indexEntries, dataArea: dataArea, zstd: fields.compressMethod == 1,
                    virtualSize: footer.virtualSize, footerOffset: footer.offset)
    }

    /// zvhd2_open on a read-only image: the header at 0 says which layout (a non-zero
    /// `zvhd2_version` means the indexed one); the footer used is then the last 4 KiB of the
    /// file (its length rounded up to 512, as `bdrv_getlength` gives it), which must pass
    /// zvhd2_validate_footer (cookie, checksum); its block size must be a power of two of 1–32
    /// MiB, its compression one the wrapper knows; and every bitmap segment is read
    /// (__zvhd2_read_initiliaze_bm). The header's own checksum is not checked on this path.
    static func read(_ source: any ByteSource) throws -> ZVHD2Image {
        let headWindow = try source.window(at: 0, count: ZVHDFooter.structLength, what: "ZVHD2 header footer")
        let header = try ZVHDFooter(headWindow, zvhd2: true)
        guard header.hasCookie(ZVHDFooter.zvhd2Cookie) else {
            throw ImageError.invalid(.badMagic, "ZVHD2 cookie", at: 0, "is \"\(header.cookieText)\", not \"z2strm\"")
        }
        guard header.zvhd2?.version != 0 else {
            throw ImageError.invalid(.unsupported, "zvhd2_version", at: 87, "is 0: the sequential ZVHD2 layout (COULD_BE_READ_AS_ZVHD_) has no index, and the driver does not read it")
        }
        let size = source.size
        let length = (size + 511) / 512 * 512
        guard length >= 2 * ZVHDFooter.blockLength else {
            throw ImageError(.truncated, offset: size, "truncated: a ZVHD2 file ends with its final footer block after the header block, the file has \(size) bytes")
        }
        let footerOffset = length - ZVHDFooter.blockLength
        var tail = try source.read(at: footerOffset, count: ZVHDFooter.structLength)
        tail += [UInt8](repeating: 0, count: ZVHDFooter.structLength - tail.count)
        let footer = try ZVHDFooter(ByteWindow(tail, at: footerOffset), zvhd2: true)
        guard footer.hasCookie(ZVHDFooter.zvhd2Cookie) else {
            throw ImageError(.truncated, offset: footerOffset, "truncated or unfinished: the last 4096 bytes (offset \(footerOffset)) are not the final ZVHD2 footer (\"z2strm\") that holds the index and bitmap offsets")
        }
        guard footer.checksumMatches else {
            throw ImageError.invalid(.checksum, "ZVHD2 final footer checksum", at: footerOffset + UInt64(ZVHDFooter.checksumField),
                                     "stored 0x\(String(footer.storedChecksum, radix: 16)) but the footer sums to 0x\(String(footer.computedChecksum, radix: 16))")
        }
        guard let fields = footer.zvhd2 else { throw ImageError(.invalid, offset: footerOffset, "the final footer has no ZVHD2 fields") }
        guard blockSizes.contains(fields.blockSize), fields.blockSize & (fields.blockSize - 1) == 0 else {
            throw ImageError.invalid(.invalid, "ZVHD2 block size", at: footerOffset + 88, "\(fields.blockSize) is not a power of two from 1 MiB to 32 MiB")
        }
        guard fields.compressMethod <= 1 else {
            throw ImageError.invalid(.invalid, "ZVHD2 compression method", at: footerOffset + 141, "\(fields.compressMethod) is neither 0 (zlib) nor 1 (zstd)")
        }
        let bitmap = try readBitmap(source, fields: fields, footerOffset: footerOffset)
        var image = ZVHD2Image(footer: footer, fields: fields, header: header, bitmap: bitmap, fileSize: size)
        try image.checkIndexPlacement(footerOffset: footerOffset)
        image.noteOddities()
        return image
    }

    /// The bitmap: `ceil(max_blk_num / 32768)` segments of 4 KiB from `bitmap_lba`, all inside
    /// the file (the driver fails the open on a short read).
    private static func readBitmap(_ source: any ByteSource, fields: ZVHD2FooterFields, footerOffset: UInt64) throws -> ZVHD2Bitmap {
        let segments = (UInt64(fields.maxBlocks) + ZVHD2Bitmap.blocksPerSegment - 1) / ZVHD2Bitmap.blocksPerSegment
        let bytes = segments * ZVHD2Bitmap.segmentBytes
        guard bytes <= maxBitmapBytes else {
            throw ImageError.invalid(.limit, "ZVHD2 max_blk_num", at: footerOffset + 92,
                                     "\(fields.maxBlocks) blocks need a \(bytes)-byte bitmap, more than koopack's \(maxBitmapBytes)-byte limit (a 64 TiB disk)")
        }
        let (end, overflow) = fields.bitmapOffset.addingReportingOverflow(bytes)
        guard !overflow, fields.bitmapOffset >= 2 * ZVHDFooter.blockLength, end <= footerOffset else {
            throw ImageError.invalid(.outOfRange, "ZVHD2 bitmap_lba", at: footerOffset + 104,
                                     "the \(bytes)-byte bitmap at offset \(fields.bitmapOffset) lies outside the file's \(2 * ZVHDFooter.blockLength)..<\(footerOffset) (before the final footer)")
        }
        let data = try source.readExactly(at: fields.bitmapOffset, count: Int(bytes), what: "ZVHD2 bitmap")
        return ZVHD2Bitmap(data, at: fields.bitmapOffset)
    }

    /// The index segments the reader may touch must lie inside the file (the driver reads a
    /// whole 512 KiB segment and fails on a short read, __zvhd2_index_read), after the header
    /// and clear of the bitmap and final footer.
    private func checkIndexPlacement(footerOffset: UInt64) throws {
        let segments = (indexEntries + ZVHD2Index.entriesPerSegment - 1) / ZVHD2Index.entriesPerSegment
        let bytes = segments * ZVHD2Index.segmentBytes
        let (end, overflow) = fields.indexOffset.addingReportingOverflow(bytes)
        guard !overflow, fields.indexOffset >= 2 * ZVHDFooter.blockLength, end <= footerOffset else {
            throw ImageError.invalid(.outOfRange, "ZVHD2 index_lba", at: footerOffset + 96,
                                     "the index of \(segments) segment(s) of \(ZVHD2Index.segmentBytes) bytes at offset \(fields.indexOffset) lies outside the file's \(2 * ZVHDFooter.blockLength)..<\(footerOffset) (before the final footer)")
        }
        if bytes > 0, fields.indexOffset < bitmap.offset + UInt64(bitmap.bytes.count), bitmap.offset < end {
            throw ImageError.invalid(.outOfRange, "ZVHD2 index_lba", at: footerOffset + 96,
                                     "the index (offset \(fields.indexOffset)–\(end)) overlaps the bitmap (offset \(bitmap.offset)–\(bitmap.offset + UInt64(bitmap.bytes.count)))")
        }
    }

    /// Warnings for what the driver ignores but a healthy export has: the header's checksum,
    /// the counts the writer records, a virtual size the bitmap covers.
    private mutating func noteOddities() {
        warnings += footer.oddities
        if !header.checksumMatches {
            warnings.append("the header footer's checksum at offset \(ZVHDFooter.checksumField) does not match (stored 0x\(String(header.storedChecksum, radix: 16)), computed 0x\(String(header.computedChecksum, radix: 16))); the driver does not check it when reading")
        }
        if header.originalSize != footer.originalSize || header.uuid != footer.uuid {
            warnings.append("the header footer at offset 0 and the final footer disagree on the original size or UUID")
        }
        if UInt64(fields.blockSize) != ZVHDFooter.driverBlockSize {
            warnings.append("the block size is \(fields.blockSize) bytes; the driver reads and writes only 2 MiB blocks, whatever the footer says, so the guest cannot be read")
            corrupt = true
        }
        if UInt64(bitmap.storedBlocks) != UInt64(fields.storedBlocks) {
            warnings.append("the final footer counts \(fields.storedBlocks) stored blocks but its bitmap marks \(bitmap.storedBlocks)")
            corrupt = true
        }
        let blocks = (footer.virtualSize + ZVHDFooter.driverBlockSize - 1) / ZVHDFooter.driverBlockSize
        if blocks > bitmap.blockCapacity {
            warnings.append("the virtual size \(footer.virtualSize) holds \(blocks) blocks, but the bitmap covers \(bitmap.blockCapacity): the driver fails reading past them")
            corrupt = true
        }
    }

    /// koopack's facts about the image (qemu-img cannot open ZVHD2).
    var formatSpecific: JSONValue {
        var data = footer.jsonMembers
        data += [
            ("zvhd2-version", .uint(UInt64(fields.version))),
            ("block-size", .uint(UInt64(fields.blockSize))),
            ("max-blocks", .uint(UInt64(fields.maxBlocks))),
            ("stored-blocks", .uint(UInt64(bitmap.storedBlocks))),
            ("allocated-size", .uint(UInt64(bitmap.storedBlocks) * UInt64(fields.blockSize))),
            ("compressed-size", .uint(UInt64(dataArea.count))),
            ("compression", .string(fields.compressMethod == 1 ? "zstd" : "zlib")),
            ("index-contains-zero-blocks", .bool(zeroBlocksIndexed)),
            ("index-offset", .uint(fields.indexOffset)),
            ("index-size", .uint(UInt64(fields.indexSize))),
            ("index-segments", .uint(UInt64(fields.indexSegments))),
            ("index-segment-size", .uint(UInt64(fields.indexSegmentSize))),
            ("bitmap-offset", .uint(fields.bitmapOffset)),
            ("bitmap-size", .uint(UInt64(fields.bitmapSize))),
            ("bitmap-segments", .uint(UInt64(fields.bitmapSegments))),
            ("bitmap-segment-size", .uint(UInt64(fields.bitmapSegmentSize))),
            ("footer-offset", .uint(footer.offset)),
            ("checksum-ok", .bool(footer.checksumMatches)),
            ("header-checksum-ok", .bool(header.checksumMatches)),
        ]
        return .object([("type", .string(ZVHD2Format.name)), ("data", .object(data))])
    }
}
