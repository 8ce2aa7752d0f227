/// QEMU's copy-on-write format, versions 2 and 3 (`docs/interop/qcow2.txt`): a big-endian header
/// at offset 0, optional header extensions after it, and a two-level cluster map (L1 → L2).
public enum QCOW2Format: ImageFormat {
    public static let name = "qcow2"

    /// "QFI\xfb", shared with qcow version 1; qcow2 claims versions 2 and up, as QEMU does.
    static let magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]

    public static func probe(_ input: ProbeInput) -> Int {
        guard input.head.matches(magic, at: 0), let version = try? input.head.u32be(4), version >= 2 else { return 0 }
        return 100
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let header = try QCOW2Header(source)
        try header.checkL1Table(fileSize: source.size)
        var warnings = header.warnings
        let extensions = try QCOW2Extensions(source, header: header, warnings: &warnings)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: header.size)
        info.clusterSize = header.clusterSize
        info.dirty = header.incompatibleFeatures & QCOW2Header.Incompatible.dirty != 0
        info.corrupt = header.incompatibleFeatures & QCOW2Header.Incompatible.corrupt != 0
        if let backing = try header.backingFilename(source) {
            info.backingFilename = backing
            info.backingFormat = extensions.backingFormat
        }
        let unknown = header.incompatibleFeatures & ~QCOW2Header.Incompatible.known
        if unknown != 0 {
            let names = (0..<64).filter { unknown >> UInt64($0) & 1 == 1 }.map { bit in
                extensions.featureName(type: 0, bit: bit).map { "\($0) (bit \(bit))" } ?? "bit \(bit)"
            }
            warnings.append("unknown incompatible features: \(names.joined(separator: ", ")); QEMU refuses to open this image")
        }
        var encrypt: JSONValue?
        switch header.cryptMethod {
        case QCOW2Header.cryptAES:
            info.encrypted = true
            info.encryptionFormat = .aes
            encrypt = .object([("format", .string("aes"))])
        case QCOW2Header.cryptLUKS:
            info.encrypted = true
            info.encryptionFormat = .luks
            encrypt = try luksBlock(source, extensions: extensions, warnings: &warnings)
        default:
            break
        }
        if header.hasExternalDataFile {
            if let file = extensions.dataFile {
                // qemu-img's actual-size counts the image file alone, so the inspector's is kept.
                info.externalDataFile = file
            } else {
                info.externalDataFile = ""
                warnings.append("incompatible feature bit 2 (external data file) is set but no data file name extension names it")
            }
        } else if let file = extensions.dataFile {
            warnings.append("a data file name extension names \(file), but the external data file bit is clear; it is ignored")
        }
        if header.autoclearFeatures & QCOW2Header.Autoclear.dataFileRaw != 0 && !header.hasExternalDataFile {
            warnings.append("autoclear bit 1 (data-file-raw) is set on an image without an external data file")
        }
        info.formatSpecific = specificInfo(header, extensions: extensions, encrypt: encrypt)
        info.warnings = warnings + extensions.warnings
        return info
    }

    /// The `encrypt` member for a LUKS-encrypted image: the LUKS header the full disk encryption
    /// extension points at, with `format: luks` added as QEMU prints it.
    private static func luksBlock(_ source: any ByteSource, extensions: QCOW2Extensions,
                                  warnings: inout [String]) throws -> JSONValue {
        guard let pointer = extensions.encryptionHeader else {
            warnings.append("crypt_method is 2 (LUKS) but there is no full disk encryption header extension")
            return .object([("format", .string("luks"))])
        }
        // An unreadable LUKS header must not hide that the image is encrypted: it is a warning.
        let luks: LUKS1Header
        do {
            luks = try LUKS1Header(source, at: pointer.offset)
        } catch let error as ImageError {
            warnings.append("the LUKS header the encryption extension points at cannot be read: \(error.message)")
            return .object([("format", .string("luks"))])
        }
        warnings += luks.warnings
        var members = luks.qemuMembers
        members.insert(("format", .string("luks")), at: min(4, members.count))
        return .object(members)
    }

    /// QEMU 7.2's `format-specific` block for qcow2, key for key.
    static func specificInfo(_ header: QCOW2Header, extensions: QCOW2Extensions, encrypt: JSONValue?) -> JSONValue {
        var data: [(String, JSONValue)] = [
            ("compat", .string(header.version >= 3 ? "1.1" : "0.10")),
            ("compression-type", .string(header.compressionType == 1 ? "zstd" : "zlib")),
        ]
        if header.version >= 3 {
            data.append(("lazy-refcounts", .bool(header.compatibleFeatures & QCOW2Header.Compatible.lazyRefcounts != 0)))
        }
        if let bitmaps = extensions.bitmaps, !bitmaps.isEmpty {
            data.append(("bitmaps", .array(bitmaps.map(\.json))))
        }
        data.append(("refcount-bits", .uint(1 << UInt64(header.refcountOrder))))
        if header.hasExternalDataFile {
            if let file = extensions.dataFile { data.append(("data-file", .string(file))) }
            data.append(("data-file-raw", .bool(header.autoclearFeatures & QCOW2Header.Autoclear.dataFileRaw != 0)))
        }
        if let encrypt { data.append(("encrypt", encrypt)) }
        if header.version >= 3 {
            data.append(("corrupt", .bool(header.incompatibleFeatures & QCOW2Header.Incompatible.corrupt != 0)))
            data.append(("extended-l2", .bool(header.hasExtendedL2)))
        }
        return .object([("type", .string(name)), ("data", .object(data))])
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let header = try QCOW2Header(source)
        if header.cryptMethod != 0 {
            throw ImageError(.unsupported, "encrypted: the guest cannot be read without the key")
        }
        var dataSource: any ByteSource = source
        if header.hasExternalDataFile {
            var ignored: [String] = []
            let extensions = try QCOW2Extensions(source, header: header, warnings: &ignored)
            guard let file = extensions.dataFile, !file.isEmpty else {
                throw ImageError(.invalid, "the image keeps its data in an external data file but does not name it")
            }
            dataSource = try context.openRelated(file).source
        }
        let map = try QCOW2ClusterMap(image: source, data: dataSource, header: header)
        return BlockMappedDisk(size: header.size, backing: backing) { try map.locate($0) }
    }
}

/// The fixed fields of a qcow2 header, checked as QEMU checks them when it opens an image.
struct QCOW2Header: Sendable {
    var version: UInt32
    var backingFileOffset: UInt64
    var backingFileSize: UInt32
    var clusterBits: UInt32
    var size: UInt64
    var cryptMethod: UInt32
    var l1Size: UInt32
    var l1TableOffset: UInt64
    var refcountTableOffset: UInt64
    var refcountTableClusters: UInt32
    var snapshotCount: UInt32
    var snapshotsOffset: UInt64
    var incompatibleFeatures: UInt64 = 0
    var compatibleFeatures: UInt64 = 0
    var autoclearFeatures: UInt64 = 0
    var refcountOrder: UInt32 = 4
    var headerLength: UInt32 = 72
    var compressionType: UInt8 = 0
    /// Oddities that do not stop the image being read.
    var warnings: [String] = []

    /// Incompatible feature bits (header offset 72).
    enum Incompatible {
        static let dirty: UInt64 = 1 << 0
        static let corrupt: UInt64 = 1 << 1
        static let externalDataFile: UInt64 = 1 << 2
        static let compressionType: UInt64 = 1 << 3
        static let extendedL2: UInt64 = 1 << 4
        static let known: UInt64 = 0x1F
    }

    /// Compatible feature bits (header offset 80).
    enum Compatible { static let lazyRefcounts: UInt64 = 1 << 0 }

    /// Autoclear feature bits (header offset 88).
    enum Autoclear {
        static let bitmaps: UInt64 = 1 << 0
        static let dataFileRaw: UInt64 = 1 << 1
    }

    static let cryptAES: UInt32 = 1
    static let cryptLUKS: UInt32 = 2
    /// QEMU's cluster size range: 512 bytes (9) to 2 MiB (21).
    static let clusterBitsRange: ClosedRange<UInt32> = 9...21
    /// QEMU's limit on the active L1 table (`QCOW_MAX_L1_SIZE`), 32 MiB; koopack reads it whole.
    static let maxL1Bytes: UInt64 = 32 << 20
    /// QEMU's limit on the refcount table (`QCOW_MAX_REFTABLE_SIZE`), 8 MiB.
    static let maxRefcountTableBytes: UInt64 = 8 << 20
    /// QEMU's limit on the number of internal snapshots (`QCOW_MAX_SNAPSHOTS`).
    static let maxSnapshots: UInt32 = 65536
    /// QEMU's limit on the backing file name's length.
    static let maxBackingNameLength: UInt32 = 1023
    /// The bytes koopack reads for the fixed header: up to and including the compression type.
    static let fixedLength = 112

    var clusterSize: UInt64 { 1 << UInt64(clusterBits) }
    var hasExternalDataFile: Bool { incompatibleFeatures & Incompatible.externalDataFile != 0 }
    var hasExtendedL2: Bool { incompatibleFeatures & Incompatible.extendedL2 != 0 }
    /// log2 of the number of entries in one L2 table.
    var l2Bits: UInt32 { clusterBits - (hasExtendedL2 ? 4 : 3) }

    init(_ source: any ByteSource) throws {
        let w = try source.window(at: 0, count: 72, what: "qcow2 header")
        guard w.matches(QCOW2Format.magic, at: 0) else {
            throw ImageError.invalid(.badMagic, "qcow2 magic", at: 0, "not QFI\\xfb")
        }
        version = try w.u32be(4)
        guard version == 2 || version == 3 else {
            throw ImageError.invalid(.unsupported, "qcow2 version", at: 4, "version \(version) is not supported (2 and 3 are)")
        }
        backingFileOffset = try w.u64be(8)
        backingFileSize = try w.u32be(16)
        clusterBits = try w.u32be(20)
        size = try w.u64be(24)
        cryptMethod = try w.u32be(32)
        l1Size = try w.u32be(36)
        l1TableOffset = try w.u64be(40)
        refcountTableOffset = try w.u64be(48)
        refcountTableClusters = try w.u32be(56)
        snapshotCount = try w.u32be(60)
        snapshotsOffset = try w.u64be(64)
        guard Self.clusterBitsRange.contains(clusterBits) else {
            throw ImageError.invalid(.outOfRange, "cluster_bits", at: 20, "\(clusterBits) is outside 9...21 (512 bytes to 2 MiB)")
        }
        if version >= 3 {
            let v3 = try source.window(at: 0, count: 104, what: "qcow2 version 3 header")
            incompatibleFeatures = try v3.u64be(72)
            compatibleFeatures = try v3.u64be(80)
            autoclearFeatures = try v3.u64be(88)
            refcountOrder = try v3.u32be(96)
            headerLength = try v3.u32be(100)
            guard headerLength >= 104 else {
                throw ImageError.invalid(.outOfRange, "header_length", at: 100, "\(headerLength) is shorter than the 104-byte version 3 header")
            }
            guard UInt64(headerLength) <= clusterSize else {
                throw ImageError.invalid(.outOfRange, "header_length", at: 100, "\(headerLength) exceeds the cluster size \(clusterSize)")
            }
            if headerLength > 104 {
                compressionType = try source.window(at: 104, count: 1, what: "compression_type").u8(0)
            }
        }
        try validate()
    }

    /// QEMU's checks on the fixed fields, so that an image QEMU refuses is refused here too.
    private mutating func validate() throws {
        guard refcountOrder <= 6 else {
            throw ImageError.invalid(.outOfRange, "refcount_order", at: 96, "\(refcountOrder) is above 6 (64-bit refcounts)")
        }
        guard cryptMethod <= 2 else {
            throw ImageError.invalid(.outOfRange, "crypt_method", at: 32, "\(cryptMethod) is not 0 (none), 1 (AES) or 2 (LUKS)")
        }
        guard compressionType <= 1 else {
            throw ImageError.invalid(.outOfRange, "compression_type", at: 104, "\(compressionType) is not 0 (zlib) or 1 (zstd)")
        }
        let typeBit = incompatibleFeatures & Incompatible.compressionType != 0
        if compressionType != 0 && !typeBit {
            throw ImageError.invalid(.invalid, "compression_type", at: 104, "zstd needs incompatible feature bit 3, which is clear")
        }
        if compressionType == 0 && typeBit {
            warnings.append("incompatible feature bit 3 (compression type) is set but the compression type is zlib")
        }
        guard backingFileOffset <= clusterSize else {
            throw ImageError.invalid(.outOfRange, "backing_file_offset", at: 8, "\(backingFileOffset) lies past the first cluster (\(clusterSize) bytes)")
        }
        let refcountBytes = UInt64(refcountTableClusters) << UInt64(clusterBits)
        guard refcountBytes <= Self.maxRefcountTableBytes else {
            throw ImageError.invalid(.outOfRange, "refcount_table_clusters", at: 56, "\(refcountTableClusters) clusters exceed the 8 MiB refcount table limit")
        }
        guard refcountTableOffset % clusterSize == 0 else {
            throw ImageError.invalid(.outOfRange, "refcount_table_offset", at: 48, "\(refcountTableOffset) is not aligned to the \(clusterSize)-byte cluster")
        }
        guard snapshotCount <= Self.maxSnapshots else {
            throw ImageError.invalid(.outOfRange, "nb_snapshots", at: 60, "\(snapshotCount) snapshots exceed QEMU's limit of \(Self.maxSnapshots)")
        }
        guard snapshotCount == 0 || snapshotsOffset % clusterSize == 0 else {
            throw ImageError.invalid(.outOfRange, "snapshots_offset", at: 64, "\(snapshotsOffset) is not aligned to the \(clusterSize)-byte cluster")
        }
        guard UInt64(l1Size) * 8 <= Self.maxL1Bytes else {
            throw ImageError.invalid(.outOfRange, "l1_size", at: 36, "\(l1Size) entries exceed the 32 MiB L1 table limit")
        }
        guard l1TableOffset % clusterSize == 0 else {
            throw ImageError.invalid(.outOfRange, "l1_table_offset", at: 40, "\(l1TableOffset) is not aligned to the \(clusterSize)-byte cluster")
        }
        // Each L1 entry maps 2^(l2Bits + clusterBits) guest bytes; the table must cover the disk.
        let l1Span = clusterBits + l2Bits
        let needed = size == 0 ? 0 : ((size - 1) >> UInt64(l1Span)) + 1
        guard needed <= UInt64(l1Size) else {
            throw ImageError.invalid(.outOfRange, "l1_size", at: 36, "\(l1Size) entries cover less than the \(size)-byte disk (\(needed) needed)")
        }
    }

    /// Checks that the L1 table lies inside the file of `fileSize` bytes.
    func checkL1Table(fileSize: UInt64) throws {
        let (end, overflow) = l1TableOffset.addingReportingOverflow(UInt64(l1Size) * 8)
        guard !overflow, end <= fileSize || l1Size == 0 else {
            throw ImageError.invalid(.truncated, "L1 table", at: l1TableOffset, "\(l1Size) entries at offset \(l1TableOffset) lie past the end of the file (size \(fileSize))")
        }
    }

    /// The backing file name the header points at, nil when there is none.
    func backingFilename(_ source: any ByteSource) throws -> String? {
        guard backingFileOffset != 0, backingFileSize != 0 else { return nil }
        guard backingFileSize <= Self.maxBackingNameLength,
              UInt64(backingFileSize) <= clusterSize - backingFileOffset else {
            throw ImageError.invalid(.outOfRange, "backing_file_size", at: 16, "\(backingFileSize) bytes is too long for a backing file name")
        }
        let bytes = try source.readExactly(at: backingFileOffset, count: Int(backingFileSize), what: "backing file name")
        return String(decoding: bytes, as: UTF8.self)
    }
}
