/// Microsoft's VHDX: a file type identifier at 0, two 4 KiB headers at 64 and 128 KiB (the valid
/// one with the higher sequence number counts), a region table at 192 KiB (copy at 256 KiB) that
/// locates the block allocation table and the metadata region. Every structure is little-endian
/// and checksummed with CRC-32C.
public enum VHDXFormat: ImageFormat {
    public static let name = "vhdx"

    public static func probe(_ input: ProbeInput) -> Int {
        input.head.matches(VHDXImage.signature, at: 0) ? 100 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let image = try VHDXImage.read(source)
        let metadata = image.metadata
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: metadata.virtualSize)
        info.subformat = metadata.subformat
        info.clusterSize = UInt64(metadata.blockSize)
        // qemu-img prints dirty-flag false for every VHDX it can open; a log that must be
        // replayed is reported as a warning (and so as a damaged header by `check`).
        info.dirty = false
        info.corrupt = image.corrupt
        info.warnings = image.warnings
        if metadata.hasParent { info.parentReference = metadata.parentReference }
        info.formatSpecific = image.formatSpecific
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        try VHDXGuestDisk.open(try VHDXImage.read(source), source: source, context: context, backing: backing)
    }
}

/// One of the two VHDX headers.
struct VHDXHeader: Sendable {
    static let size = 4096
    static let offsets: [UInt64] = [64 << 10, 128 << 10]

    var offset: UInt64
    var sequenceNumber: UInt64
    var fileWriteGUID: String
    var dataWriteGUID: String
    var logGUID: String
    var logVersion: UInt16
    var version: UInt16
    var logLength: UInt32
    var logOffset: UInt64
    /// The header's bytes up to the reserved area, to tell identical headers apart from equal
    /// sequence numbers on different headers.
    var fields: [UInt8]

    /// Reads the header at `offset`; nil with the reason when it is not a valid version 1 header.
    static func read(_ source: any ByteSource, at offset: UInt64) -> Result<VHDXHeader, ImageError> {
        func problem(_ kind: ImageError.Kind, _ message: String) -> Result<VHDXHeader, ImageError> {
            .failure(ImageError(kind, offset: offset, message))
        }
        guard let bytes = try? source.readExactly(at: offset, count: size, what: "VHDX header") else {
            return problem(.truncated, "header at offset \(offset) is past the end of the file (size \(source.size))")
        }
        let w = ByteWindow(bytes, at: offset)
        guard w.matches(Array("head".utf8), at: 0) else { return problem(.badMagic, "header at offset \(offset) has no \"head\" signature") }
        guard let stored = try? w.u32le(4), stored == CRC32C.checksum(bytes, zeroingFieldAt: 4) else {
            return problem(.checksum, "header at offset \(offset) fails its CRC-32C checksum")
        }
        do {
            let header = VHDXHeader(
                offset: offset, sequenceNumber: try w.u64le(8), fileWriteGUID: try w.guidMixedEndian(16),
                dataWriteGUID: try w.guidMixedEndian(32), logGUID: try w.guidMixedEndian(48),
                logVersion: try w.u16le(64), version: try w.u16le(66), logLength: try w.u32le(68),
                logOffset: try w.u64le(72), fields: Array(bytes[0..<80]))
            guard header.version == 1 else { return problem(.unsupported, "header at offset \(offset) has version \(header.version), not 1") }
            return .success(header)
        } catch {
            return problem(.truncated, "header at offset \(offset) cannot be read")
        }
    }
}

/// An entry of the region table: where the BAT or the metadata region lies.
struct VHDXRegion: Sendable {
    var guid: String
    var fileOffset: UInt64
    var length: UInt64
    var required: Bool
    var end: UInt64 { fileOffset &+ length }
}

/// The region table (64 KiB, "regi", at most 2047 entries of 32 bytes).
enum VHDXRegionTable {
    static let size = 64 << 10
    static let offsets: [UInt64] = [192 << 10, 256 << 10]
    /// The specification's limit, which also is all a 64 KiB table holds.
    static let maxEntries: UInt32 = 2047
    static let batGUID = "2dc27766-f623-4200-9d64-115e9bfd4a08"
    static let metadataGUID = "8b7ca206-4790-4b9a-b8fe-575f050f886e"

    /// Whether the table at `offset` has its signature and a matching checksum.
    static func isValid(_ source: any ByteSource, at offset: UInt64) -> Bool {
        guard let bytes = try? source.readExactly(at: offset, count: size, what: "VHDX region table") else { return false }
        let w = ByteWindow(bytes, at: offset)
        return w.matches(Array("regi".utf8), at: 0)
            && (try? w.u32le(4)) == CRC32C.checksum(bytes, zeroingFieldAt: 4)
    }

    /// The BAT and metadata regions of the table at `offset`.
    static func read(_ source: any ByteSource, at offset: UInt64) throws -> (bat: VHDXRegion, metadata: VHDXRegion) {
        let w = try source.window(at: offset, count: size, what: "VHDX region table")
        let count = try w.u32le(8)
        guard count <= maxEntries else {
            throw ImageError.invalid(.outOfRange, "VHDX region table entry count", at: offset + 8, "\(count) is more than \(maxEntries)")
        }
        var bat: VHDXRegion?
        var metadata: VHDXRegion?
        var regions: [VHDXRegion] = []
        for index in 0..<Int(count) {
            let at = 16 + 32 * index
            let region = VHDXRegion(guid: try w.guidMixedEndian(at), fileOffset: try w.u64le(at + 16),
                                    length: UInt64(try w.u32le(at + 24)), required: try w.u32le(at + 28) & 1 != 0)
            let entryOffset = offset + UInt64(at)
            guard region.fileOffset <= UInt64.max - region.length else {
                throw ImageError.invalid(.outOfRange, "VHDX region entry", at: entryOffset, "offset \(region.fileOffset) + length overflows")
            }
            guard region.fileOffset >= 1 << 20 else {
                throw ImageError.invalid(.outOfRange, "VHDX region entry", at: entryOffset,
                                         "region at offset \(region.fileOffset) lies inside the 1 MiB header section")
            }
            if let other = regions.first(where: { region.fileOffset < $0.end && $0.fileOffset < region.end }) {
                throw ImageError.invalid(.outOfRange, "VHDX region entry", at: entryOffset,
                                         "region \(region.fileOffset)-\(region.end) overlaps region \(other.fileOffset)-\(other.end)")
            }
            regions.append(region)
            switch region.guid {
            case batGUID:
                guard bat == nil else { throw ImageError.invalid(.invalid, "VHDX region entry", at: entryOffset, "second BAT region") }
                bat = region
            case metadataGUID:
                guard metadata == nil else { throw ImageError.invalid(.invalid, "VHDX region entry", at: entryOffset, "second metadata region") }
                metadata = region
            default:
                if region.required {
                    throw ImageError.invalid(.unsupported, "VHDX region entry", at: entryOffset, "required region \(region.guid) is unknown")
                }
            }
        }
        guard let bat else { throw ImageError(.invalid, offset: offset, "VHDX region table at offset \(offset) has no BAT region") }
        guard let metadata else { throw ImageError(.invalid, offset: offset, "VHDX region table at offset \(offset) has no metadata region") }
        return (bat, metadata)
    }
}

/// A VHDX's header facts: the current header, the regions and the metadata, with the BAT's
/// geometry. Read by both `inspect` and `openGuest`.
struct VHDXImage: Sendable {
    static let signature: [UInt8] = Array("vhdxfile".utf8)
    static let zeroGUID = "00000000-0000-0000-0000-000000000000"
    /// The most of the BAT `inspect` reads to look for blocks past the end of the file (32768
    /// entries: 1 TiB of guest at 32 MiB blocks). Larger tables are checked as the guest is read.
    static let maxScannedTableBytes: UInt64 = 256 << 10

    var creator: String
    var header: VHDXHeader
    var headerIndex: Int
    var bat: VHDXRegion
    var metadataRegion: VHDXRegion
    var metadata: VHDXMetadata
    var geometry: VHDXBATGeometry
    var warnings: [String] = []
    var corrupt = false

    var logNeedsReplay: Bool { header.logGUID != Self.zeroGUID }

    static func read(_ source: any ByteSource) throws -> VHDXImage {
        let identifier = try source.window(at: 0, count: 8 + 512, what: "VHDX file type identifier")
        guard identifier.matches(signature, at: 0) else {
            throw ImageError.invalid(.badMagic, "VHDX signature", at: 0, "expected \"vhdxfile\"")
        }
        var units: [UInt16] = []
        for index in 0..<256 {
            let unit = try identifier.u16le(8 + 2 * index)
            if unit == 0 { break }
            units.append(unit)
        }
        var warnings: [String] = []
        var corrupt = false
        let first = VHDXHeader.read(source, at: VHDXHeader.offsets[0])
        let second = VHDXHeader.read(source, at: VHDXHeader.offsets[1])
        let header: VHDXHeader
        let headerIndex: Int
        switch (first, second) {
        case let (.failure(firstProblem), .failure(secondProblem)):
            // Of the kind of the first header's problem: the header a reader tries first.
            throw ImageError(firstProblem.kind, offset: VHDXHeader.offsets[0],
                             "no valid VHDX header: \(firstProblem.message); \(secondProblem.message)")
        case let (.success(one), .failure(problem)):
            (header, headerIndex) = (one, 1)
            warnings.append("VHDX \(problem.message); using the header at offset \(one.offset)")
            corrupt = true
        case let (.failure(problem), .success(two)):
            (header, headerIndex) = (two, 2)
            warnings.append("VHDX \(problem.message); using the header at offset \(two.offset)")
            corrupt = true
        case let (.success(one), .success(two)):
            if one.sequenceNumber == two.sequenceNumber, one.fields != two.fields {
                throw ImageError(.invalid, offset: one.offset, "VHDX headers at offsets \(one.offset) and \(two.offset) differ but "
                                 + "have the same sequence number \(one.sequenceNumber)")
            }
            (header, headerIndex) = two.sequenceNumber > one.sequenceNumber ? (two, 2) : (one, 1)
        }
        if header.logGUID != zeroGUID {
            warnings.append("VHDX log (GUID \(header.logGUID), \(header.logLength) bytes at offset \(header.logOffset)) "
                            + "is not empty: it must be replayed before the image is consistent")
        }
        var tableOffset = VHDXRegionTable.offsets[0]
        if !VHDXRegionTable.isValid(source, at: tableOffset) {
            tableOffset = VHDXRegionTable.offsets[1]
            guard VHDXRegionTable.isValid(source, at: tableOffset) else {
                throw ImageError(.checksum, offset: VHDXRegionTable.offsets[0], "VHDX region tables at offsets "
                                 + "\(VHDXRegionTable.offsets[0]) and \(tableOffset) both lack the \"regi\" signature or fail their CRC-32C checksum")
            }
            warnings.append("VHDX region table at offset \(VHDXRegionTable.offsets[0]) is damaged; using its copy at offset \(tableOffset)")
            corrupt = true
        }
        let regions = try VHDXRegionTable.read(source, at: tableOffset)
        let metadata = try VHDXMetadata.read(source, region: regions.metadata)
        let geometry = try VHDXBATGeometry(metadata: metadata, bat: regions.bat, fileSize: source.size)
        var image = VHDXImage(creator: String(decoding: units, as: UTF16.self), header: header, headerIndex: headerIndex,
                              bat: regions.bat, metadataRegion: regions.metadata, metadata: metadata, geometry: geometry,
                              warnings: warnings + metadata.warnings, corrupt: corrupt)
        try image.checkAllocatedBlocks(source)
        return image
    }

    /// Warns (QEMU refuses to open such an image) when a present block lies past the end of the file.
    mutating func checkAllocatedBlocks(_ source: any ByteSource) throws {
        let entries = geometry.totalEntries
        guard entries * 8 <= Self.maxScannedTableBytes else { return }
        let table = try source.window(at: bat.fileOffset, count: Int(entries * 8), what: "VHDX block allocation table")
        for index in 0..<Int(entries) {
            let entry = try table.u64le(index * 8)
            let state = entry & 7
            guard state == 6 || state == 7 else { continue }
            let start = entry & VHDXBATGeometry.offsetMask
            let isBitmap = UInt64(index) % (geometry.chunkRatio + 1) == geometry.chunkRatio
            let (end, overflow) = start.addingReportingOverflow(isBitmap ? 1 << 20 : UInt64(metadata.blockSize))
            if overflow || end > source.size {
                warnings.append("VHDX BAT entry \(index) (at offset \(bat.fileOffset + UInt64(index) * 8)) places a block at "
                                + "offset \(start), past the end of the file (size \(source.size)): the image is truncated")
                corrupt = true
                return
            }
        }
    }

    /// koopack's own facts about the VHDX (QEMU 7.2 prints no format-specific block for vhdx).
    var formatSpecific: JSONValue {
        var data: [(String, JSONValue)] = [
            ("subformat", .string(metadata.subformat)),
            ("creator", .string(creator)),
            ("active-header", .uint(UInt64(headerIndex))),
            ("sequence-number", .uint(header.sequenceNumber)),
            ("file-write-guid", .string(header.fileWriteGUID)),
            ("data-write-guid", .string(header.dataWriteGUID)),
            ("log-guid", .string(header.logGUID)),
            ("log-offset", .uint(header.logOffset)),
            ("log-length", .uint(UInt64(header.logLength))),
            ("block-size", .uint(UInt64(metadata.blockSize))),
            ("logical-sector-size", .uint(UInt64(metadata.logicalSectorSize))),
            ("physical-sector-size", .uint(UInt64(metadata.physicalSectorSize))),
            ("leave-blocks-allocated", .bool(metadata.leaveBlocksAllocated)),
            ("has-parent", .bool(metadata.hasParent)),
            ("page83-data", .string(metadata.page83)),
            ("bat-offset", .uint(bat.fileOffset)),
            ("bat-entries", .uint(geometry.totalEntries)),
            ("metadata-offset", .uint(metadataRegion.fileOffset)),
        ]
        if metadata.hasParent {
            data.append(("parent-locator", .object(metadata.parentLocator.map { ($0.key, .string($0.value)) })))
        }
        return .object([("type", .string("vhdx")), ("data", .object(data))])
    }
}
