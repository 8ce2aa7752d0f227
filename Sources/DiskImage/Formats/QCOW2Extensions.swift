/// The header extensions of a qcow2 image: type/length records after the fixed header, up to the
/// backing file name or the end of the first cluster, ended by a type-0 record.
struct QCOW2Extensions: Sendable {
    /// One entry of the feature name table: which bit of which feature field, and its name.
    struct FeatureName: Sendable {
        var type: UInt8
        var bit: UInt8
        var name: String
    }

    /// Where the LUKS header of a LUKS-encrypted image lives in the file.
    struct EncryptionHeaderPointer: Sendable {
        var offset: UInt64
        var length: UInt64
    }

    var backingFormat: String?
    var dataFile: String?
    var featureNames: [FeatureName] = []
    var encryptionHeader: EncryptionHeaderPointer?
    /// The persistent dirty bitmaps, nil when the image has no bitmaps extension.
    var bitmaps: [QCOW2Bitmap]?
    var warnings: [String] = []

    static let end: UInt32 = 0
    static let backingFormatType: UInt32 = 0xE279_2ACA
    static let featureTableType: UInt32 = 0x6803_F857
    static let dataFileType: UInt32 = 0x4441_5441
    static let encryptionHeaderType: UInt32 = 0x0537_BE77
    static let bitmapsType: UInt32 = 0x2385_2875

    /// Most extension records koopack reads; QEMU writes at most six, so more is damage.
    static let maxExtensions = 1024
    /// QEMU keeps the backing format in a 16-byte buffer and refuses longer names.
    static let maxBackingFormatLength: UInt32 = 15
    /// Longest external data file name koopack reads (a path, PATH_MAX on Linux).
    static let maxDataFileNameLength: UInt32 = 4096
    /// Largest feature name table koopack reads: 1,365 entries of 48 bytes, far more than the
    /// few dozen feature bits that exist.
    static let maxFeatureTableLength: UInt32 = 64 << 10

    init(_ source: any ByteSource, header: QCOW2Header, warnings: inout [String]) throws {
        var offset = UInt64(header.headerLength)
        let end = header.backingFileOffset != 0 ? header.backingFileOffset : header.clusterSize
        var count = 0
        while offset < end {
            guard count < Self.maxExtensions else {
                self.warnings.append("more than \(Self.maxExtensions) header extensions; the rest are ignored")
                break
            }
            count += 1
            guard end - offset >= 8 else {
                throw ImageError.invalid(.outOfRange, "header extension", at: offset, "its 8-byte type and length do not fit before offset \(end)")
            }
            let head = try source.window(at: offset, count: 8, what: "header extension")
            let type = try head.u32be(0)
            let length = try head.u32be(4)
            let dataOffset = offset + 8
            if type == Self.end { break }
            guard UInt64(length) <= end - dataOffset else {
                throw ImageError.invalid(.outOfRange, "header extension 0x\(String(type, radix: 16))", at: offset,
                                         "length \(length) runs past offset \(end)")
            }
            try read(type: type, length: length, at: dataOffset, source, header: header)
            offset = (dataOffset + UInt64(length) + 7) & ~7
        }
    }

    private mutating func read(type: UInt32, length: UInt32, at offset: UInt64, _ source: any ByteSource,
                               header: QCOW2Header) throws {
        switch type {
        case Self.backingFormatType:
            guard length <= Self.maxBackingFormatLength else {
                throw ImageError.invalid(.outOfRange, "backing format extension", at: offset, "length \(length) is too long for a format name")
            }
            backingFormat = try source.window(at: offset, count: Int(length), what: "backing format").cString(0, Int(length))
        case Self.dataFileType:
            guard length <= Self.maxDataFileNameLength else {
                throw ImageError.invalid(.outOfRange, "data file name extension", at: offset, "length \(length) is too long for a file name")
            }
            dataFile = try source.window(at: offset, count: Int(length), what: "data file name").cString(0, Int(length))
        case Self.featureTableType:
            guard length <= Self.maxFeatureTableLength else {
                warnings.append("feature name table at offset \(offset) is \(length) bytes long; it is ignored")
                return
            }
            let w = try source.window(at: offset, count: Int(length), what: "feature name table")
            for entry in 0..<(Int(length) / 48) {
                featureNames.append(FeatureName(type: try w.u8(entry * 48), bit: try w.u8(entry * 48 + 1),
                                                name: try w.cString(entry * 48 + 2, 46)))
            }
        case Self.encryptionHeaderType:
            guard length == 16 else {
                throw ImageError.invalid(.outOfRange, "full disk encryption header extension", at: offset, "length is \(length), not 16")
            }
            let w = try source.window(at: offset, count: 16, what: "full disk encryption header pointer")
            encryptionHeader = EncryptionHeaderPointer(offset: try w.u64be(0), length: try w.u64be(8))
        case Self.bitmapsType:
            guard header.autoclearFeatures & QCOW2Header.Autoclear.bitmaps != 0 else {
                warnings.append("a program lacking bitmap support modified this image: its bitmaps are inconsistent and ignored")
                return
            }
            guard length >= 24 else {
                throw ImageError.invalid(.outOfRange, "bitmaps extension", at: offset, "length is \(length), not 24")
            }
            let w = try source.window(at: offset, count: 24, what: "bitmaps extension")
            bitmaps = try QCOW2Bitmap.directory(source, count: try w.u32be(0), size: try w.u64be(8),
                                                offset: try w.u64be(16), header: header, warnings: &warnings)
        default:
            break
        }
    }

    /// The name the feature table gives bit `bit` of feature field `type` (0 incompatible,
    /// 1 compatible, 2 autoclear).
    func featureName(type: UInt8, bit: Int) -> String? {
        featureNames.first { $0.type == type && Int($0.bit) == bit }?.name
    }
}

/// One persistent dirty bitmap from the bitmap directory, as `qemu-img info` lists it.
struct QCOW2Bitmap: Sendable {
    var name: String
    var granularity: UInt64
    var inUse: Bool
    var auto: Bool

    /// QEMU's limit on the number of bitmaps in one image.
    static let maxCount: UInt32 = 65535
    /// Largest bitmap directory koopack reads. Each entry is 24 bytes plus a name of at most 1023
    /// bytes; 1 MiB holds a thousand long-named bitmaps, more than any image has.
    static let maxDirectoryBytes: UInt64 = 1 << 20

    var json: JSONValue {
        var flags: [JSONValue] = []
        if inUse { flags.append(.string("in-use")) }
        if auto { flags.append(.string("auto")) }
        return .object([("flags", .array(flags)), ("name", .string(name)), ("granularity", .uint(granularity))])
    }

    /// Reads the bitmap directory of `count` entries in `size` bytes at `offset`.
    static func directory(_ source: any ByteSource, count: UInt32, size: UInt64, offset: UInt64,
                          header: QCOW2Header, warnings: inout [String]) throws -> [QCOW2Bitmap] {
        guard count <= maxCount else {
            throw ImageError.invalid(.outOfRange, "bitmaps extension", at: offset, "\(count) bitmaps exceed QEMU's limit of \(maxCount)")
        }
        guard size <= maxDirectoryBytes else {
            warnings.append("the bitmap directory at offset \(offset) is \(size) bytes long; it is not read")
            return []
        }
        guard offset % header.clusterSize == 0 else {
            throw ImageError.invalid(.outOfRange, "bitmap directory", at: offset, "offset \(offset) is not cluster-aligned")
        }
        let w = try source.window(at: offset, count: Int(size), what: "bitmap directory")
        var bitmaps: [QCOW2Bitmap] = []
        var position = 0
        for index in 0..<Int(count) {
            let flags = try w.u32be(position + 12)
            let granularityBits = try w.u8(position + 17)
            let nameSize = Int(try w.u16be(position + 18))
            let extraSize = Int(try w.u32be(position + 20))
            guard granularityBits < 64, extraSize <= Int(size) else {
                throw ImageError.invalid(.outOfRange, "bitmap directory entry \(index)", at: offset + UInt64(position),
                                         "granularity bits \(granularityBits) or extra data size \(extraSize) is out of range")
            }
            let name = try w.cString(position + 24 + extraSize, nameSize)
            bitmaps.append(QCOW2Bitmap(name: name, granularity: 1 << UInt64(granularityBits),
                                       inUse: flags & 1 != 0, auto: flags & 2 != 0))
            position = (position + 24 + extraSize + nameSize + 7) & ~7
        }
        return bitmaps
    }
}
