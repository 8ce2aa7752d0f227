/// Microsoft's VHD (QEMU's `vpc`): a 512-byte big-endian footer at the end of the file, with a
/// copy at offset 0 and a dynamic header ("cxsparse") when the disk is dynamic or differencing.
/// A fixed VHD is a raw disk followed by the footer; QEMU calls it raw, koopack calls it `vpc`.
public enum VHDFormat: ImageFormat {
    public static let name = "vpc"

    /// A fixed VHD is recognised by its footer alone: sure enough to beat raw, not so sure that it
    /// beats a format whose magic number sits at the start of the file.
    static let fixedFooterScore = 50

    public static func probe(_ input: ProbeInput) -> Int {
        if input.head.matches(VHDFooter.cookie, at: 0) { return 100 }
        let size = input.source.size
        guard size >= UInt64(VHDFooter.size),
              let tail = try? input.source.read(at: size - UInt64(VHDFooter.size), count: 8),
              tail == VHDFooter.cookie else { return 0 }
        return fixedFooterScore
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let image = try VHDImage.read(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: image.virtualSize)
        info.subformat = image.subformat
        info.dirty = false
        info.warnings = image.warnings
        info.corrupt = image.corrupt
        if let header = image.dynamicHeader {
            info.clusterSize = UInt64(header.blockSize)
            if image.isDifferencing { info.parentReference = header.parentReference }
        }
        info.formatSpecific = image.formatSpecific
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let image = try VHDImage.read(source)
        return try VHDGuestDisk.open(image, source: source, context: context, backing: backing)
    }
}

/// The VHD footer ("hard disk footer" in Microsoft's specification), 512 bytes, all big-endian.
struct VHDFooter: Sendable {
    static let size = 512
    static let cookie: [UInt8] = Array("conectix".utf8)
    /// Where the checksum sits; the checksum is taken with these four bytes as zero.
    static let checksumField = 64

    /// Where in the file this copy was read.
    var offset: UInt64
    var features: UInt32
    var formatVersion: UInt32
    var dataOffset: UInt64
    var timestamp: UInt32
    var creatorApp: [UInt8]
    var creatorVersion: UInt32
    var creatorOS: [UInt8]
    var originalSize: UInt64
    var currentSize: UInt64
    var cylinders: UInt16
    var heads: UInt8
    var sectorsPerTrack: UInt8
    var diskType: UInt32
    var storedChecksum: UInt32
    var computedChecksum: UInt32
    var uuid: String
    var savedState: UInt8

    /// Parses a footer from a 512-byte window that starts with the cookie.
    init(_ w: ByteWindow) throws {
        offset = w.base
        features = try w.u32be(8)
        formatVersion = try w.u32be(12)
        dataOffset = try w.u64be(16)
        timestamp = try w.u32be(24)
        creatorApp = Array(try w.slice(28, 4))
        creatorVersion = try w.u32be(32)
        creatorOS = Array(try w.slice(36, 4))
        originalSize = try w.u64be(40)
        currentSize = try w.u64be(48)
        cylinders = try w.u16be(56)
        heads = try w.u8(58)
        sectorsPerTrack = try w.u8(59)
        diskType = try w.u32be(60)
        storedChecksum = try w.u32be(64)
        computedChecksum = VHDChecksum.compute(Array(try w.slice(0, Self.size)), zeroingFieldAt: Self.checksumField)
        uuid = try w.uuidBigEndian(68)
        savedState = try w.u8(84)
    }

    var checksumOK: Bool { storedChecksum == computedChecksum }

    /// The creator application as text, trailing spaces and NULs removed ("qemu", "vpc", "win").
    var creatorAppText: String { VHDChecksum.fourCC(creatorApp) }
}

/// VHD's checksum: the one's complement of the sum of the structure's bytes, the checksum field
/// itself counted as zero.
enum VHDChecksum {
    static func compute(_ bytes: [UInt8], zeroingFieldAt field: Int) -> UInt32 {
        var sum: UInt32 = 0
        for (index, byte) in bytes.enumerated() where index < field || index >= field + 4 {
            sum &+= UInt32(byte)
        }
        return ~sum
    }

    /// Eight hex digits, for checksums in messages.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// A four-character code as text, trailing spaces and NULs removed, other bytes shown as `?`.
    static func fourCC(_ bytes: [UInt8]) -> String {
        var trimmed = bytes
        while let last = trimmed.last, last == 0 || last == 0x20 { trimmed.removeLast() }
        return String(trimmed.map { $0 >= 0x20 && $0 < 0x7f ? Character(Unicode.Scalar($0)) : "?" })
    }
}

/// One of the eight parent locator entries of a differencing VHD's dynamic header.
struct VHDParentLocator: Sendable {
    /// `W2ru` (relative Windows path), `W2ku` (absolute Windows path), `Mac `, `MacX`.
    var platform: String
    var dataSpace: UInt32
    var dataLength: UInt32
    var dataOffset: UInt64
}

/// The dynamic disk header ("cxsparse"), 1024 big-endian bytes, found at the footer's data offset.
struct VHDDynamicHeader: Sendable {
    static let size = 1024
    static let cookie: [UInt8] = Array("cxsparse".utf8)
    static let checksumField = 36

    var offset: UInt64
    var tableOffset: UInt64
    var headerVersion: UInt32
    var maxTableEntries: UInt32
    var blockSize: UInt32
    var storedChecksum: UInt32
    var computedChecksum: UInt32
    var parentUUID: String
    var parentTimestamp: UInt32
    var parentName: String
    var locators: [VHDParentLocator]
    /// The parent's paths as the locators give them, read from the file by `VHDImage`.
    var relativeParentPath: String?
    var absoluteParentPath: String?

    init(_ w: ByteWindow) throws {
        offset = w.base
        tableOffset = try w.u64be(16)
        headerVersion = try w.u32be(24)
        maxTableEntries = try w.u32be(28)
        blockSize = try w.u32be(32)
        storedChecksum = try w.u32be(36)
        computedChecksum = VHDChecksum.compute(Array(try w.slice(0, Self.size)), zeroingFieldAt: Self.checksumField)
        parentUUID = try w.uuidBigEndian(40)
        parentTimestamp = try w.u32be(56)
        var units: [UInt16] = []
        for index in 0..<256 {
            let unit = try w.u16be(64 + 2 * index)
            if unit == 0 { break }
            units.append(unit)
        }
        parentName = String(decoding: units, as: UTF16.self)
        var locators: [VHDParentLocator] = []
        for index in 0..<8 {
            let base = 576 + 24 * index
            let code = Array(try w.slice(base, 4))
            guard code != [0, 0, 0, 0] else { continue }
            locators.append(VHDParentLocator(
                platform: String(decoding: code, as: UTF8.self), dataSpace: try w.u32be(base + 4),
                dataLength: try w.u32be(base + 8), dataOffset: try w.u64be(base + 16)))
        }
        self.locators = locators
    }

    var checksumOK: Bool { storedChecksum == computedChecksum }

    /// How the parent is named: the relative path if a locator gives one, else the absolute path,
    /// else the parent's name from the header.
    var parentReference: String {
        relativeParentPath ?? absoluteParentPath ?? parentName
    }
}

/// A VHD's header facts: the footer, the dynamic header, and the virtual size computed as QEMU
/// 7.2 computes it. Read by both `inspect` and `openGuest`.
struct VHDImage: Sendable {
    /// QEMU's largest VHD: 2040 GiB, in 512-byte sectors (`VHD_MAX_SECTORS`).
    static let maxSectors: UInt64 = 0xFF00_0000
    /// The CHS geometry QEMU writes when the size does not fit a real one (65535 × 16 × 255);
    /// with it the footer's current size counts.
    static let maxGeometry: UInt64 = 65535 * 16 * 255
    /// Creator applications whose current size QEMU 7.2 trusts over the CHS geometry.
    static let creatorsWithTrustedSize: [[UInt8]] = [
        Array("win ".utf8), Array("qem2".utf8), Array("d2v ".utf8), Array("CTXS".utf8), [0x74, 0x61, 0x70, 0],
    ]
    /// The longest parent locator path koopack reads: Windows paths are at most 32767 UTF-16
    /// units, so 64 KiB holds any real one.
    static let maxLocatorBytes: UInt32 = 65536

    var footer: VHDFooter
    /// True when the footer was found only at the end of the file (a fixed disk, or a dynamic
    /// disk whose copy at offset 0 is missing).
    var footerAtEnd: Bool
    var dynamicHeader: VHDDynamicHeader?
    var virtualSize: UInt64
    var warnings: [String] = []
    var corrupt = false

    var isDifferencing: Bool { footer.diskType == 4 }

    var subformat: String {
        switch footer.diskType {
        case 2: return "fixed"
        case 3: return "dynamic"
        case 4: return "differencing"
        default: return "type \(footer.diskType)"
        }
    }

    /// Reads the footer (at offset 0, else in the last 512 bytes) and, for a dynamic or
    /// differencing disk, the dynamic header and its parent locators.
    static func read(_ source: any ByteSource) throws -> VHDImage {
        let size = source.size
        let head = try source.read(at: 0, count: VHDFooter.size)
        var footerAtEnd = false
        let footerWindow: ByteWindow
        if head.count == VHDFooter.size, head.starts(with: VHDFooter.cookie) {
            footerWindow = ByteWindow(head, at: 0)
        } else {
            guard size >= UInt64(VHDFooter.size) else {
                throw ImageError(.truncated, offset: 0, "truncated: a VHD footer needs 512 bytes, the file has \(size) bytes")
            }
            footerWindow = try source.window(at: size - UInt64(VHDFooter.size), count: VHDFooter.size, what: "VHD footer")
            guard footerWindow.matches(VHDFooter.cookie, at: 0) else {
                throw ImageError.invalid(.badMagic, "VHD footer cookie", at: footerWindow.base,
                                         "expected \"conectix\" at offset 0 or in the last 512 bytes")
            }
            footerAtEnd = true
        }
        let footer = try VHDFooter(footerWindow)
        var image = VHDImage(footer: footer, footerAtEnd: footerAtEnd, dynamicHeader: nil,
                             virtualSize: try virtualSize(of: footer))
        if !footer.checksumOK {
            image.warnings.append("VHD footer checksum at offset \(footer.offset + 64) is 0x\(VHDChecksum.hex(footer.storedChecksum)), "
                                  + "the footer sums to 0x\(VHDChecksum.hex(footer.computedChecksum))")
            image.corrupt = true
        }
        switch footer.diskType {
        case 2:
            guard footerAtEnd else {
                throw ImageError.invalid(.invalid, "VHD disk type", at: 60, "2 (fixed) in a footer copy at offset 0; "
                                         + "a fixed disk has its footer only at the end of the file")
            }
            let dataBytes = size - UInt64(VHDFooter.size)
            if dataBytes < footer.currentSize {
                image.warnings.append("fixed VHD holds \(dataBytes) bytes of data before its footer, "
                                      + "less than its current size \(footer.currentSize): the file is truncated")
                image.corrupt = true
            }
        case 3, 4:
            if footerAtEnd {
                image.warnings.append("dynamic VHD has no footer copy at offset 0; read the footer at offset \(footer.offset)")
                image.corrupt = true
            }
            try image.readDynamicHeader(source)
        default:
            throw ImageError.invalid(.outOfRange, "VHD disk type", at: footer.offset + 60,
                                     "\(footer.diskType) is not 2 (fixed), 3 (dynamic) or 4 (differencing)")
        }
        return image
    }

    /// The guest's size as QEMU 7.2 computes it: the CHS geometry's size, unless the creator is
    /// one whose current size QEMU trusts or the geometry is the maximum one.
    static func virtualSize(of footer: VHDFooter) throws -> UInt64 {
        var sectors = UInt64(footer.cylinders) * UInt64(footer.heads) * UInt64(footer.sectorsPerTrack)
        if creatorsWithTrustedSize.contains(footer.creatorApp) || sectors == maxGeometry {
            sectors = footer.currentSize / 512
        }
        guard sectors <= maxSectors else {
            throw ImageError.invalid(.outOfRange, "VHD current size", at: footer.offset + 48,
                                     "\(sectors * 512) bytes is larger than the VHD maximum of 2040 GiB")
        }
        return sectors * 512
    }

    /// Reads and checks the dynamic header and, for a differencing disk, the parent's paths.
    mutating func readDynamicHeader(_ source: any ByteSource) throws {
        let at = footer.dataOffset
        guard at < source.size else {
            throw ImageError.invalid(.truncated, "VHD dynamic header offset", at: footer.offset + 16,
                                     "\(at) lies past the end of the file (size \(source.size))")
        }
        let window = try source.window(at: at, count: VHDDynamicHeader.size, what: "VHD dynamic header")
        guard window.matches(VHDDynamicHeader.cookie, at: 0) else {
            throw ImageError.invalid(.badMagic, "VHD dynamic header cookie", at: at, "expected \"cxsparse\"")
        }
        var header = try VHDDynamicHeader(window)
        if !header.checksumOK {
            warnings.append("VHD dynamic header checksum at offset \(at + 36) is 0x\(VHDChecksum.hex(header.storedChecksum)), "
                            + "the header sums to 0x\(VHDChecksum.hex(header.computedChecksum))")
            corrupt = true
        }
        let blockSize = UInt64(header.blockSize)
        guard blockSize >= 512, blockSize & (blockSize - 1) == 0 else {
            throw ImageError.invalid(.outOfRange, "VHD block size", at: at + 32, "\(blockSize) is not a power of two of at least 512")
        }
        let needed = (virtualSize + blockSize - 1) / blockSize
        let most = (Self.maxSectors * 512 + blockSize - 1) / blockSize
        let entries = UInt64(header.maxTableEntries)
        guard entries >= needed else {
            throw ImageError.invalid(.outOfRange, "VHD max table entries", at: at + 28,
                                     "\(entries) blocks of \(blockSize) bytes cannot hold the disk's \(virtualSize) bytes")
        }
        guard entries <= most else {
            throw ImageError.invalid(.outOfRange, "VHD max table entries", at: at + 28,
                                     "\(entries) blocks of \(blockSize) bytes exceed the VHD maximum of 2040 GiB")
        }
        let (tableEnd, overflow) = header.tableOffset.addingReportingOverflow(entries * 4)
        guard !overflow, tableEnd <= source.size else {
            throw ImageError.invalid(.truncated, "VHD block allocation table", at: at + 16,
                                     "\(entries) entries at offset \(header.tableOffset) lie past the end of the file (size \(source.size))")
        }
        if footer.diskType == 4 { readParentLocators(&header, source) }
        dynamicHeader = header
        try checkAllocatedBlocks(header, source)
    }

    /// Reads the W2ru and W2ku locators' paths (UTF-16LE). A locator that cannot be read is a
    /// warning: the parent's name in the header still identifies it.
    mutating func readParentLocators(_ header: inout VHDDynamicHeader, _ source: any ByteSource) {
        for locator in header.locators where locator.platform == "W2ru" || locator.platform == "W2ku" {
            guard locator.dataLength > 0, locator.dataLength <= Self.maxLocatorBytes,
                  let bytes = try? source.readExactly(at: locator.dataOffset, count: Int(locator.dataLength),
                                                      what: "VHD parent locator") else {
                warnings.append("VHD parent locator \(locator.platform) (\(locator.dataLength) bytes at offset "
                                + "\(locator.dataOffset)) cannot be read")
                continue
            }
            var units: [UInt16] = []
            var index = 0
            while index + 1 < bytes.count {
                let unit = UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
                if unit == 0 { break }
                units.append(unit)
                index += 2
            }
            let path = String(decoding: units, as: UTF16.self)
            if locator.platform == "W2ru" { header.relativeParentPath = path } else { header.absoluteParentPath = path }
        }
    }

    /// The most of the block allocation table `inspect` reads to look for blocks past the end of
    /// the file: 256 KiB covers a 128 GiB disk at the usual 2 MiB blocks. Larger tables are
    /// checked block by block as the guest is read.
    static let maxScannedTableBytes: UInt64 = 256 << 10

    /// Warns (as QEMU refuses to open) when an allocated block lies past the end of the file.
    mutating func checkAllocatedBlocks(_ header: VHDDynamicHeader, _ source: any ByteSource) throws {
        let entries = UInt64(header.maxTableEntries)
        guard entries * 4 <= Self.maxScannedTableBytes else { return }
        let blockBytes = UInt64(header.blockSize) + VHDGuestDisk.bitmapSize(blockSize: UInt64(header.blockSize))
        let size = source.size
        // The table is read in pieces of at most 32 KiB: small enough for the allocator to hand
        // out from its heap (a 128 KiB table would be a fresh mapping, faulted in page by page,
        // for every image of a batch). One pass over each piece finds the first block that ends
        // past the file: tens of thousands of entries per image, nearly all unallocated.
        let piece = 8192
        var first = 0
        while first < Int(entries) {
            let count = min(piece, Int(entries) - first)
            let at = header.tableOffset + UInt64(first) * 4
            let table = try source.readExactly(at: at, count: count * 4, what: "VHD block allocation table")
            if let index = Self.firstBlockPastEnd(table, entries: count, blockBytes: blockBytes, size: size) {
                let end = UInt64(try ByteWindow(table).u32be(index * 4)) * 512 + blockBytes
                warnings.append("VHD block \(first + index) (BAT entry at offset \(at + UInt64(index) * 4)) ends at "
                                + "offset \(end), past the end of the file (size \(size)): the image is truncated")
                corrupt = true
                return
            }
            first += count
        }
    }

    /// The index of the first of `entries` raw table entries whose block ends past `size`.
    static func firstBlockPastEnd(_ table: [UInt8], entries: Int, blockBytes: UInt64, size: UInt64) -> Int? {
        table.withUnsafeBytes { raw in
            /// The entry at `index`, when its block ends past the file.
            func pastEnd(_ index: Int) -> Bool {
                let sector = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
                return sector != 0xFFFF_FFFF && UInt64(sector) * 512 + blockBytes > size
            }
            var index = 0
            // 64 entries at a time: when the AND of their 32 words is all ones, every one of them
            // is unallocated (0xFFFFFFFF), as nearly all are; the compiler makes the AND a few
            // vector instructions.
            while index + 64 <= entries {
                var all = UInt64.max
                for word in 0..<32 { all &= raw.loadUnaligned(fromByteOffset: index * 4 + word * 8, as: UInt64.self) }
                if all != UInt64.max {
                    for entry in index..<(index + 64) where pastEnd(entry) { return entry }
                }
                index += 64
            }
            while index < entries {
                if pastEnd(index) { return index }
                index += 1
            }
            return nil
        }
    }

    /// koopack's own facts about the VHD (QEMU 7.2 prints no format-specific block for vpc).
    var formatSpecific: JSONValue {
        var data: [(String, JSONValue)] = [
            ("subformat", .string(subformat)),
            ("disk-type", .uint(UInt64(footer.diskType))),
            ("creator", .string(footer.creatorAppText)),
            ("creator-version", .string("\(footer.creatorVersion >> 16).\(footer.creatorVersion & 0xFFFF)")),
            ("creator-os", .string(VHDChecksum.fourCC(footer.creatorOS))),
            ("uuid", .string(footer.uuid)),
            ("current-size", .uint(footer.currentSize)),
            ("original-size", .uint(footer.originalSize)),
            ("geometry", .string("\(footer.cylinders)/\(footer.heads)/\(footer.sectorsPerTrack)")),
            ("timestamp", .uint(UInt64(footer.timestamp))),
            ("saved-state", .bool(footer.savedState != 0)),
            ("footer-offset", .uint(footer.offset)),
            ("checksum-ok", .bool(footer.checksumOK)),
        ]
        if let header = dynamicHeader {
            data.append(("block-size", .uint(UInt64(header.blockSize))))
            data.append(("max-table-entries", .uint(UInt64(header.maxTableEntries))))
            data.append(("table-offset", .uint(header.tableOffset)))
            data.append(("dynamic-header-checksum-ok", .bool(header.checksumOK)))
            if isDifferencing {
                data.append(("parent-uuid", .string(header.parentUUID)))
                data.append(("parent-name", .string(header.parentName)))
                if let path = header.relativeParentPath { data.append(("parent-relative-path", .string(path))) }
                if let path = header.absoluteParentPath { data.append(("parent-absolute-path", .string(path))) }
            }
        }
        return .object([("type", .string("vpc")), ("data", .object(data))])
    }
}

