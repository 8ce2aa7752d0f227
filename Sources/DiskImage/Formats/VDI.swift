/// VirtualBox Disk Image (`vdi`), version 1.1: a text banner, a little-endian header at 0x40, a
/// block map of 32-bit entries (one per block, numbering the block's place in the data area),
/// and the data blocks. Differencing images name their parent by UUID only.
public enum VDIFormat: ImageFormat {
    public static let name = "vdi"

    /// The signature at 0x40.
    static let signature: UInt32 = 0xBEDA_107F
    static let signatureOffset = 0x40
    /// Version 1.1, the only one VirtualBox and QEMU write.
    static let version: UInt32 = 0x0001_0001
    /// Bytes up to and including the parent UUID, the last field koopack reads.
    static let headerLength = 0x1C8
    /// A block map entry for a block that was never written.
    static let unallocated: UInt32 = 0xFFFF_FFFF
    /// A block map entry for a block that was discarded and reads as zeros.
    static let discarded: UInt32 = 0xFFFF_FFFE
    /// QEMU's limit on blocks (`UINT32_MAX / 4`), so the block map's size fits in 32 bits.
    static let maxBlocks: UInt32 = UInt32.max / 4
    /// Block sizes koopack accepts: powers of two from 512 bytes to 64 MiB. QEMU accepts only
    /// 1 MiB, which is all VirtualBox writes; other sizes get a warning.
    static let blockSizeRange: ClosedRange<UInt32> = 512...(64 << 20)
    /// The block size VirtualBox and QEMU write.
    static let defaultBlockSize: UInt32 = 1 << 20
    /// Block map entries read and cached at once (32 KiB): a 1 TiB image has a 4 MiB map.
    static let mapSliceEntries: UInt64 = 8192

    /// The header fields koopack uses.
    struct Header: Sendable {
        var headerSize: UInt32
        var imageType: UInt32
        var imageFlags: UInt32
        var mapOffset: UInt32
        var dataOffset: UInt32
        var diskSize: UInt64
        var blockSize: UInt32
        var blockExtra: UInt32
        var blocks: UInt32
        var blocksAllocated: UInt32
        var uuid: String
        var lastSnapshotUUID: String
        var linkUUID: String
        var parentUUID: String
        var fileSize: UInt64

        /// Bytes from one block's start in the data area to the next's.
        var blockStride: UInt64 { UInt64(blockSize) + UInt64(blockExtra) }
        var isDifferencing: Bool { imageType == 4 }
        /// The disk size QEMU uses: rounded up to a whole sector.
        var guestSize: UInt64 { (diskSize + 511) / 512 * 512 }
    }

    static let nullUUID = "00000000-0000-0000-0000-000000000000"

    public static func probe(_ input: ProbeInput) -> Int {
        guard let value = try? input.head.u32le(signatureOffset) else { return 0 }
        return value == signature ? 100 : 0
    }

    /// Reads and checks the header and that the block map lies inside the file.
    static func readHeader(_ source: any ByteSource) throws -> Header {
        let w = try source.window(at: 0, count: headerLength, what: "VDI header")
        let found = try w.u32le(signatureOffset)
        guard found == signature else {
            throw ImageError.invalid(.badMagic, "VDI signature", at: UInt64(signatureOffset),
                                     "is 0x\(String(found, radix: 16)), not 0xbeda107f")
        }
        let version = try w.u32le(0x44)
        guard version == Self.version else {
            throw ImageError.invalid(.unsupported, "VDI version", at: 0x44, "is \(version >> 16).\(version & 0xFFFF), only 1.1 is supported")
        }
        let header = Header(
            headerSize: try w.u32le(0x48), imageType: try w.u32le(0x4C), imageFlags: try w.u32le(0x50),
            mapOffset: try w.u32le(0x154), dataOffset: try w.u32le(0x158), diskSize: try w.u64le(0x170),
            blockSize: try w.u32le(0x178), blockExtra: try w.u32le(0x17C), blocks: try w.u32le(0x180),
            blocksAllocated: try w.u32le(0x184), uuid: try w.guidMixedEndian(0x188),
            lastSnapshotUUID: try w.guidMixedEndian(0x198), linkUUID: try w.guidMixedEndian(0x1A8),
            parentUUID: try w.guidMixedEndian(0x1B8), fileSize: source.size)
        guard header.mapOffset % 512 == 0 else {
            throw ImageError.invalid(.outOfRange, "offset_bmap", at: 0x154, "\(header.mapOffset) is not a multiple of 512")
        }
        guard header.dataOffset % 512 == 0 else {
            throw ImageError.invalid(.outOfRange, "offset_data", at: 0x158, "\(header.dataOffset) is not a multiple of 512")
        }
        let sectorSize = try w.u32le(0x168)
        guard sectorSize == 512 else {
            throw ImageError.invalid(.unsupported, "sector_size", at: 0x168, "is \(sectorSize), only 512 is supported")
        }
        guard blockSizeRange.contains(header.blockSize), header.blockSize.nonzeroBitCount == 1 else {
            throw ImageError.invalid(.outOfRange, "block_size", at: 0x178, "is \(header.blockSize), must be a power of two from 512 bytes to 64 MiB")
        }
        guard header.blocks <= maxBlocks else {
            throw ImageError.invalid(.outOfRange, "blocks_in_image", at: 0x180, "is \(header.blocks), more than the \(maxBlocks) allowed")
        }
        let capacity = UInt64(header.blocks) * UInt64(header.blockSize)
        guard header.diskSize <= capacity else {
            throw ImageError.invalid(.outOfRange, "disk_size", at: 0x170,
                "is \(header.diskSize), more than the \(capacity) bytes the \(header.blocks) blocks of the block map hold")
        }
        guard header.blocksAllocated <= header.blocks else {
            throw ImageError.invalid(.outOfRange, "blocks_allocated", at: 0x184,
                                     "is \(header.blocksAllocated), more than the \(header.blocks) blocks in the image")
        }
        let mapEnd = UInt64(header.mapOffset) + UInt64(header.blocks) * 4
        guard mapEnd <= source.size else {
            throw ImageError.invalid(.truncated, "offset_bmap", at: 0x154,
                "block map of \(header.blocks) entries at offset \(header.mapOffset) ends past the end of the file (size \(source.size))")
        }
        guard UInt64(header.dataOffset) <= source.size else {
            throw ImageError.invalid(.truncated, "offset_data", at: 0x158,
                                     "\(header.dataOffset) lies past the end of the file (size \(source.size))")
        }
        return header
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let header = try readHeader(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: header.guestSize)
        info.clusterSize = UInt64(header.blockSize)
        info.dirty = false
        switch header.imageType {
        case 1: info.subformat = "dynamic"
        case 2: info.subformat = "static"
        case 3: info.subformat = "undo"
        case 4: info.subformat = "differencing"
        default:
            info.subformat = "type \(header.imageType)"
            info.warnings.append("image type \(header.imageType) at offset 76 is not one VirtualBox defines")
        }
        if header.isDifferencing || header.parentUUID != nullUUID {
            info.parentReference = "parent UUID \(header.parentUUID)"
        }
        if header.blockSize != defaultBlockSize {
            info.warnings.append("block size \(header.blockSize) is not 1 MiB; QEMU refuses such images")
        }
        if header.diskSize % 512 != 0 {
            info.warnings.append("disk size \(header.diskSize) is not a multiple of 512; the guest sees \(header.guestSize) bytes")
        }
        let allocatedEnd = UInt64(header.dataOffset) + UInt64(header.blocksAllocated) * header.blockStride
        if allocatedEnd > source.size {
            info.warnings.append("\(header.blocksAllocated) allocated blocks need \(allocatedEnd) bytes, the file has \(source.size)")
        }
        info.formatSpecific = .object([
            ("type", .string(name)),
            ("data", .object([
                ("image-type", .uint(UInt64(header.imageType))),
                ("image-flags", .uint(UInt64(header.imageFlags))),
                ("header-size", .uint(UInt64(header.headerSize))),
                ("blocks", .uint(UInt64(header.blocks))),
                ("blocks-allocated", .uint(UInt64(header.blocksAllocated))),
                ("block-extra", .uint(UInt64(header.blockExtra))),
                ("uuid", .string(header.uuid)),
                ("last-snapshot-uuid", .string(header.lastSnapshotUUID)),
                ("link-uuid", .string(header.linkUUID)),
                ("parent-uuid", .string(header.parentUUID)),
            ])),
        ])
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let header = try readHeader(source)
        if header.isDifferencing && backing == nil {
            throw ImageError.invalid(.unsupported, "image type", at: 0x4C,
                "a differencing image needs its parent (UUID \(header.parentUUID)), which koopack does not look up")
        }
        let map = VDIBlockMap(source: source, header: header)
        return BlockMappedDisk(size: header.guestSize, backing: backing) { offset in
            try map.locate(offset)
        }
    }
}

/// The VDI block map, read in cached slices.
struct VDIBlockMap: Sendable {
    let source: any ByteSource
    let header: VDIFormat.Header
    /// Recently used block map slices, by slice number (32 × 32 KiB).
    let slices = TableCache<UInt64, [UInt32]>(capacity: 32)

    init(source: any ByteSource, header: VDIFormat.Header) {
        self.source = source
        self.header = header
    }

    /// Where the guest bytes at `offset` live: one block at most per run.
    func locate(_ offset: UInt64) throws -> GuestExtent {
        let blockSize = UInt64(header.blockSize)
        let block = offset / blockSize
        let within = offset % blockSize
        let remaining = blockSize - within
        guard block < UInt64(header.blocks) else { return GuestExtent(.zero, length: remaining) }
        let perSlice = VDIFormat.mapSliceEntries
        let sliceIndex = block / perSlice
        let entries = try slices.value(for: sliceIndex) {
            let first = sliceIndex * perSlice
            let count = min(perSlice, UInt64(header.blocks) - first)
            let w = try source.window(at: UInt64(header.mapOffset) + first * 4, count: Int(count * 4),
                                      what: "VDI block map")
            return try (0..<Int(count)).map { try w.u32le($0 * 4) }
        }
        let entry = entries[Int(block - sliceIndex * perSlice)]
        let entryOffset = UInt64(header.mapOffset) + block * 4
        switch entry {
        case VDIFormat.unallocated:
            return GuestExtent(.unallocated, length: remaining)
        case VDIFormat.discarded:
            return GuestExtent(.zero, length: remaining)
        default:
            guard entry < header.blocksAllocated else {
                throw ImageError(.outOfRange, offset: entryOffset,
                    "block map entry \(block) at offset \(entryOffset) names data block \(entry), but only \(header.blocksAllocated) blocks are allocated")
            }
            // entry < 2^30 and the stride < 2^33, so this fits in 64 bits.
            let start = UInt64(header.dataOffset) + UInt64(entry) * header.blockStride + UInt64(header.blockExtra)
            guard start < source.size else {
                throw ImageError(.truncated, offset: entryOffset,
                    "block map entry \(block) at offset \(entryOffset) places data block \(entry) at offset \(start), past the end of the file (size \(source.size))")
            }
            return GuestExtent(.data(source, offset: start + within), length: remaining)
        }
    }
}
