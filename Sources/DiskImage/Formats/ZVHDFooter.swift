import Findings
/// The 512-byte footer ZVHD and ZVHD2 files begin with, and repeat later in the file. Its layout
/// is VHD's (zvhd.c `struct ZVHD_FOOTER`, zvhd2.c `struct ZVHD2_FOOTER`), but the driver writes
/// it as a host-order C struct from x86, so every field is little-endian, unlike VHD. ZVHD2
/// continues the struct past VHD's fields with its block, index and bitmap facts.
///
/// Each copy occupies a 4 KiB block of which only the first 512 bytes are written on purpose
/// (zvhd_create, zvhd2_create: the rest is never initialised), so koopack reads 512 and ignores
/// the rest.
struct ZVHDFooter: Sendable {
    /// Every footer copy is a 4 KiB block (zvhd.c / zvhd2.c `FOOTER_SIZE`), and records start after
    /// the first one.
    static let blockLength: UInt64 = 4096
    /// The C struct's size.
    static let structLength = 512
    /// zvhd.c `ZVHD_COOKIE`; only its first six bytes are compared (zvhd_probe, zvhd_validate_footer).
    static let zvhdCookie: [UInt8] = Array("stream".utf8)
    /// zvhd2.c `ZVHD2_COOKIE`, compared the same way (zvhd2_probe, zvhd2_validate_footer).
    static let zvhd2Cookie: [UInt8] = Array("z2strm".utf8)
    /// Where the checksum sits; it is summed as zero (pvhd_checksum_footer).
    static let checksumField = 64
    /// The one block size the driver reads and writes: zvhd.c / zvhd2.c `IMAGE_BLOCK_SIZE`, and the
    /// constant 4096-sector `BLOCK_SIZE_SECTOR` both read paths divide by.
    static let driverBlockSize: UInt64 = 2 << 20
    /// The unit the driver rounds the virtual size up to (zvhdinitializefooter, `BLOCK_G_SIZE`).
    static let virtualSizeUnit: UInt64 = 1 << 30
    /// Seconds from 1970-01-01 to 2000-01-01, VHD's epoch (`VHD_EPOCH_START`, pvhd_time).
    static let epoch2000: UInt64 = 946_684_800

    /// Where this copy was read.
    var offset: UInt64
    var cookie: [UInt8]
    var features: UInt32
    var formatVersion: UInt32
    var dataOffset: UInt64
    /// Creation time, seconds since 2000-01-01 UTC.
    var timestamp: UInt32
    var creatorApp: [UInt8]
    var creatorVersion: UInt32
    var creatorOS: UInt32
    /// The size of the disk the image was made from (rounded up to 512 bytes by zvhd_create).
    var originalSize: UInt64
    /// The size the driver exposes: `originalSize` rounded up to a whole GiB (zvhdinitializefooter).
    var currentSize: UInt64
    var geometry: UInt32
    var diskType: UInt32
    var storedChecksum: UInt32
    var computedChecksum: UInt32
    var uuid: String
    var saved: UInt8
    var hidden: UInt8
    /// The ZVHD2 fields, read only from a `z2strm` footer.
    var zvhd2: ZVHD2FooterFields?

    /// Parses the footer at the start of `w`, which must hold at least 512 bytes.
    init(_ w: ByteWindow, zvhd2 isZVHD2: Bool) throws {
        guard w.count >= Self.structLength else {
            throw ImageError(.truncated, offset: w.base, "truncated: the \(isZVHD2 ? "ZVHD2" : "ZVHD") footer at offset \(w.base) needs \(Self.structLength) bytes, the file has \(w.count) there")
        }
        offset = w.base
        cookie = Array(try w.slice(0, 8))
        features = try w.u32le(8)
        formatVersion = try w.u32le(12)
        dataOffset = try w.u64le(16)
        timestamp = try w.u32le(24)
        creatorApp = Array(try w.slice(28, 4))
        creatorVersion = try w.u32le(32)
        creatorOS = try w.u32le(36)
        originalSize = try w.u64le(40)
        currentSize = try w.u64le(48)
        geometry = try w.u32le(56)
        diskType = try w.u32le(60)
        storedChecksum = try w.u32le(64)
        uuid = try w.uuidBigEndian(68)
        saved = try w.u8(84)
        hidden = try w.u8(85)
        let structBytes = Array(try w.slice(0, Self.structLength))
        computedChecksum = Self.checksum(structBytes)
        zvhd2 = isZVHD2 ? try ZVHD2FooterFields(w) : nil
        if !checksumMatches, hidden != 0, creatorApp.starts(with: Array("tap".utf8)),
           creatorVersion == 0x0000_0001 || creatorVersion == 0x0001_0001 {
            // zvhd_validate_footer / zvhd2_validate_footer keep tapdisk's exception: an old tap
            // footer may have been summed with `hidden` as zero.
            var unhidden = structBytes
            unhidden[85] = 0
            computedChecksum = Self.checksum(unhidden)
        }
    }

    /// pvhd_checksum_footer (zvhd.c, zvhd2.c): the bitwise NOT of the unsigned sum of the struct's
    /// 512 bytes, the checksum field counted as zero, in 32 bits.
    static func checksum(_ structBytes: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        for (index, byte) in structBytes.prefix(structLength).enumerated()
        where !(checksumField..<(checksumField + 4)).contains(index) {
            sum &+= UInt32(byte)
        }
        return ~sum
    }

    var checksumMatches: Bool { storedChecksum == computedChecksum }

    /// Whether the first six bytes are `expected`, as the driver compares cookies.
    func hasCookie(_ expected: [UInt8]) -> Bool { cookie.starts(with: expected) }

    /// The guest's size as the driver exposes it: `bs->total_sectors = curr_size >> 9` in
    /// zvhd_open / zvhd2_open.
    var virtualSize: UInt64 { currentSize & ~511 }

    /// What zvhdinitializefooter writes as the current size for this original size.
    var expectedCurrentSize: UInt64 {
        let (rounded, overflow) = originalSize.addingReportingOverflow(Self.virtualSizeUnit - 1)
        return overflow ? 0 : rounded / Self.virtualSizeUnit * Self.virtualSizeUnit
    }

    /// The cookie as text, NULs removed.
    var cookieText: String { String(decoding: cookie.prefix { $0 != 0 }, as: UTF8.self) }

    /// `cylinders/heads/sectors` from the geometry field (`GEOM_ENCODE`: cyl<<16 | heads<<8 | spt).
    var geometryText: String { "\(geometry >> 16)/\((geometry >> 8) & 0xFF)/\(geometry & 0xFF)" }

    /// The creation time as `YYYY-MM-DDTHH:MM:SSZ`.
    var created: String {
        let seconds = UInt64(timestamp) + Self.epoch2000
        let days = Int64(seconds / 86400), rest = Int(seconds % 86400)
        let (year, month, day) = CivilDays.date(days: Int(days))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
    }

    /// The facts both formats share, for `format-specific`.
    var jsonMembers: [(String, JSONValue)] {
        [
            ("original-size", .uint(originalSize)),
            ("current-size", .uint(currentSize)),
            ("creator", .string(String(decoding: creatorApp.prefix { $0 != 0 }, as: UTF8.self))),
            ("creator-version", .string("\(creatorVersion >> 16).\(creatorVersion & 0xFFFF)")),
            ("creator-os", .uint(UInt64(creatorOS))),
            ("disk-type", .uint(UInt64(diskType))),
            ("features", .uint(UInt64(features))),
            ("format-version", .string("\(formatVersion >> 16).\(formatVersion & 0xFFFF)")),
            ("uuid", .string(uuid)),
            ("geometry", .string(geometryText)),
            ("timestamp", .uint(UInt64(timestamp))),
            ("created", .string(created)),
            ("saved-state", .bool(saved != 0)),
        ]
    }

    /// Warnings about fields the driver writes one way and this footer has another, none of
    /// which stops the driver reading the image.
    var oddities: [String] {
        var warnings: [String] = []
        if currentSize != expectedCurrentSize {
            warnings.append("the footer at offset \(offset) gives a current size of \(currentSize) bytes, but the driver writes the original size (\(originalSize)) rounded up to a whole GiB (\(expectedCurrentSize)); koopack uses the current size, as the driver does")
        }
        if originalSize > currentSize {
            warnings.append("the footer at offset \(offset) gives an original size (\(originalSize)) larger than the disk the driver exposes (\(currentSize))")
        }
        return warnings
    }
}

/// The fields `struct ZVHD2_FOOTER` (zvhd2.c) adds after VHD's, at offsets 87–141.
struct ZVHD2FooterFields: Sendable {
    /// 1 for the indexed layout this build reads; 0 for the sequential layout it does not.
    var version: UInt8
    var blockSize: UInt32
    /// ceil(original size / block size) (zvhd2initializefooter).
    var maxBlocks: UInt32
    /// Despite the `_lba` names, byte offsets (zvhd2_write_index, zvhd2_write_bitmap).
    var indexOffset: UInt64
    var bitmapOffset: UInt64
    var indexSize: UInt32
    var bitmapSize: UInt32
    var indexSegmentSize: UInt32
    var bitmapSegmentSize: UInt32
    var indexSegments: UInt32
    var bitmapSegments: UInt32
    var storedBlocks: UInt32
    /// `index_contains_zero_blk`: a C `char` the reader treats as a boolean (zvhd2_co_read).
    var indexContainsZeroBlocks: UInt8
    /// 0 zlib, 1 zstd (zvhd2.c `enum COMPRESS_METHOD`, __get_comp_method_wrapper).
    var compressMethod: UInt8

    init(_ w: ByteWindow) throws {
        version = try w.u8(87)
        blockSize = try w.u32le(88)
        maxBlocks = try w.u32le(92)
        indexOffset = try w.u64le(96)
        bitmapOffset = try w.u64le(104)
        indexSize = try w.u32le(112)
        bitmapSize = try w.u32le(116)
        indexSegmentSize = try w.u32le(120)
        bitmapSegmentSize = try w.u32le(124)
        indexSegments = try w.u32le(128)
        bitmapSegments = try w.u32le(132)
        storedBlocks = try w.u32le(136)
        indexContainsZeroBlocks = try w.u8(140)
        compressMethod = try w.u8(141)
    }
}

/// The 48-byte header that opens every data record (zvhd.c `struct ZVHD_DATA`, zvhd2.c
/// `struct ZVHD2_DATA`): the prefix, the compressed payload's length and the block number. The
/// record is `48 + size + 4` bytes rounded up to 4 KiB, ending in `"end\0"` (zvhd_write,
/// zvhd2_write); the padding before that is leftover compressor output, not zeros.
struct ZVHDRecordHeader: Sendable {
    static let length = 48
    /// zvhd.c `ZVHD_DATA_PREFIX`: 11 bytes copied, the 12th left zero.
    static let prefix: [UInt8] = Array("hwstream bg".utf8)
    /// zvhd.c `ZVHD_DATA_POSTFIX`, the record's last four bytes.
    static let postfix: [UInt8] = Array("end".utf8) + [0]
    /// Records are padded to this (the driver's `BLOCK_SIZE_SECTOR`, used here as bytes).
    static let alignment: UInt64 = 4096
    /// The largest compressed payload the driver writes or reads: zvhd_write refuses output of
    /// `BLOCK_4M_SIZE` or more, and both readers have a buffer of about that size.
    static let maxPayload: UInt32 = 4 << 20

    var offset: UInt64
    var payloadSize: UInt32
    var block: UInt32

    /// The record length the writer gives a payload of `payloadSize` bytes.
    var recordLength: UInt64 {
        (UInt64(Self.length) + UInt64(payloadSize) + 4 + Self.alignment - 1) / Self.alignment * Self.alignment
    }

    /// Whether `w` starts with the record prefix.
    static func isRecord(_ w: ByteWindow) -> Bool { w.matches(prefix, at: 0) }

    /// Parses the header at the start of `w` (which starts with the prefix), checking the payload
    /// size as the driver would need it: not zero (the readers fail with EIO) and within its buffer.
    init(_ w: ByteWindow) throws {
        offset = w.base
        payloadSize = try w.u32le(12)
        block = try w.u32le(16)
        guard payloadSize > 0 else {
            throw ImageError.invalid(.invalid, "record payload size", at: offset + 12, "is 0: the driver refuses an empty record")
        }
        guard payloadSize < Self.maxPayload else {
            throw ImageError.invalid(.limit, "record payload size", at: offset + 12,
                                     "\(payloadSize) bytes is more than the driver's \(Self.maxPayload)-byte buffer holds")
        }
    }
}
