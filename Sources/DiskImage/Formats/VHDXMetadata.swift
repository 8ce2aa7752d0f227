/// The VHDX metadata region: a 64 KiB table ("metadata", at most 2047 entries of 32 bytes) whose
/// entries point at items inside the region: file parameters, virtual disk size, sector sizes,
/// page 83 data and, for a differencing disk, the parent locator.
struct VHDXMetadata: Sendable {
    static let tableSize = 64 << 10
    /// What a 64 KiB table holds after its 32-byte header.
    static let maxEntries: UInt16 = 2047
    /// The largest virtual disk the specification allows (64 TiB).
    static let maxVirtualSize: UInt64 = 64 << 40
    static let minBlockSize: UInt32 = 1 << 20
    static let maxBlockSize: UInt32 = 256 << 20
    /// The largest parent locator koopack reads: a handful of paths of at most 32767 UTF-16 units.
    static let maxParentLocatorBytes: UInt64 = 256 << 10

    static let fileParametersGUID = "caa16737-fa36-4d43-b3b6-33f0aa44e76b"
    static let virtualSizeGUID = "2fa54224-cd1b-4876-b211-5dbed83bf4b8"
    static let page83GUID = "beca12ab-b2e6-4523-93ef-c309e000c746"
    static let logicalSectorGUID = "8141bf1d-a96f-4709-ba47-f233a8faab5f"
    static let physicalSectorGUID = "cda348c7-445d-4471-9cc9-e9885251c556"
    static let parentLocatorGUID = "a8d35f2d-b30b-454d-abf7-d3d84834ab0c"
    static let vhdxParentLocatorType = "b04aefb7-d19e-4a81-b789-25b8e9445913"

    var blockSize: UInt32 = 0
    var leaveBlocksAllocated = false
    var hasParent = false
    var virtualSize: UInt64 = 0
    var logicalSectorSize: UInt32 = 0
    var physicalSectorSize: UInt32 = 0
    var page83 = ""
    /// The parent locator's key/value pairs in file order (`parent_linkage`, `relative_path`, ...).
    var parentLocator: [(key: String, value: String)] = []
    var warnings: [String] = []

    var subformat: String { hasParent ? "differencing" : leaveBlocksAllocated ? "fixed" : "dynamic" }

    func locatorValue(_ key: String) -> String? { parentLocator.first { $0.key == key }?.value }

    /// How the parent is named: its relative path, else its absolute or volume path, else its
    /// linkage GUID.
    var parentReference: String {
        locatorValue("relative_path") ?? locatorValue("absolute_win32_path") ?? locatorValue("volume_path")
            ?? locatorValue("parent_linkage").map { "parent with data write GUID \($0)" } ?? "unnamed parent"
    }

    /// Reads the metadata table and its items from `region`.
    static func read(_ source: any ByteSource, region: VHDXRegion) throws -> VHDXMetadata {
        guard region.length >= UInt64(tableSize) else {
            throw ImageError.invalid(.outOfRange, "VHDX metadata region", at: region.fileOffset,
                                     "length \(region.length) is shorter than its 64 KiB table")
        }
        let w = try source.window(at: region.fileOffset, count: tableSize, what: "VHDX metadata table")
        guard w.matches(Array("metadata".utf8), at: 0) else {
            throw ImageError.invalid(.badMagic, "VHDX metadata table", at: region.fileOffset, "expected the \"metadata\" signature")
        }
        let count = try w.u16le(10)
        guard count <= maxEntries else {
            throw ImageError.invalid(.outOfRange, "VHDX metadata entry count", at: region.fileOffset + 10, "\(count) is more than \(maxEntries)")
        }
        var items: [String: (offset: UInt64, length: UInt64, entry: UInt64)] = [:]
        let known = [fileParametersGUID, virtualSizeGUID, page83GUID, logicalSectorGUID, physicalSectorGUID, parentLocatorGUID]
        for index in 0..<Int(count) {
            let at = 32 + 32 * index
            let entryOffset = region.fileOffset + UInt64(at)
            let guid = try w.guidMixedEndian(at)
            let offset = UInt64(try w.u32le(at + 16))
            let length = UInt64(try w.u32le(at + 20))
            let flags = try w.u32le(at + 24)
            guard known.contains(guid) else {
                if flags & 4 != 0 {
                    throw ImageError.invalid(.unsupported, "VHDX metadata entry", at: entryOffset, "required item \(guid) is unknown")
                }
                continue
            }
            guard items[guid] == nil else {
                throw ImageError.invalid(.invalid, "VHDX metadata entry", at: entryOffset, "item \(guid) appears twice")
            }
            guard length == 0 || (offset >= UInt64(tableSize) && offset + length <= region.length) else {
                throw ImageError.invalid(.outOfRange, "VHDX metadata entry", at: entryOffset, "item \(guid) at offset \(offset) "
                                         + "(\(length) bytes) lies outside the metadata region (\(region.length) bytes, table first)")
            }
            items[guid] = (region.fileOffset + offset, length, entryOffset)
        }
        func item(_ guid: String, _ name: String, bytes: Int) throws -> ByteWindow {
            guard let found = items[guid] else {
                throw ImageError(.invalid, offset: region.fileOffset, "VHDX metadata table at offset \(region.fileOffset) has no \(name) item")
            }
            guard found.length >= UInt64(bytes) else {
                throw ImageError.invalid(.outOfRange, "VHDX \(name) item", at: found.entry, "\(found.length) bytes, needs \(bytes)")
            }
            return try source.window(at: found.offset, count: bytes, what: "VHDX \(name)")
        }
        var metadata = VHDXMetadata()
        let parameters = try item(fileParametersGUID, "file parameters", bytes: 8)
        metadata.blockSize = try parameters.u32le(0)
        let bits = try parameters.u32le(4)
        metadata.leaveBlocksAllocated = bits & 1 != 0
        metadata.hasParent = bits & 2 != 0
        let block = metadata.blockSize
        guard block >= minBlockSize, block <= maxBlockSize, block & (block - 1) == 0 else {
            throw ImageError.invalid(.outOfRange, "VHDX block size", at: parameters.base, "\(block) is not a power of two from 1 MiB to 256 MiB")
        }
        let size = try item(virtualSizeGUID, "virtual disk size", bytes: 8)
        metadata.virtualSize = try size.u64le(0)
        guard metadata.virtualSize <= maxVirtualSize else {
            throw ImageError.invalid(.outOfRange, "VHDX virtual disk size", at: size.base, "\(metadata.virtualSize) bytes is more than 64 TiB")
        }
        let logical = try item(logicalSectorGUID, "logical sector size", bytes: 4)
        metadata.logicalSectorSize = try logical.u32le(0)
        guard metadata.logicalSectorSize == 512 || metadata.logicalSectorSize == 4096 else {
            throw ImageError.invalid(.outOfRange, "VHDX logical sector size", at: logical.base, "\(metadata.logicalSectorSize) is not 512 or 4096")
        }
        let physical = try item(physicalSectorGUID, "physical sector size", bytes: 4)
        metadata.physicalSectorSize = try physical.u32le(0)
        if metadata.physicalSectorSize != 512, metadata.physicalSectorSize != 4096 {
            metadata.warnings.append("VHDX physical sector size at offset \(physical.base) is \(metadata.physicalSectorSize), not 512 or 4096")
        }
        if metadata.virtualSize % UInt64(metadata.logicalSectorSize) != 0 {
            metadata.warnings.append("VHDX virtual disk size \(metadata.virtualSize) is not a multiple of the logical sector size")
        }
        metadata.page83 = try item(page83GUID, "page 83 data", bytes: 16).guidMixedEndian(0)
        if metadata.hasParent {
            guard let found = items[parentLocatorGUID] else {
                throw ImageError(.invalid, offset: parameters.base, "VHDX file parameters at offset \(parameters.base) say the disk has a "
                                 + "parent, but the metadata has no parent locator")
            }
            try metadata.readParentLocator(source, at: found.offset, length: found.length)
        }
        return metadata
    }

    /// Reads the parent locator: a type GUID, a count, and key/value entries of UTF-16LE text
    /// whose offsets count from the locator's start.
    mutating func readParentLocator(_ source: any ByteSource, at offset: UInt64, length: UInt64) throws {
        guard length >= 20, length <= Self.maxParentLocatorBytes else {
            throw ImageError.invalid(.outOfRange, "VHDX parent locator", at: offset, "length \(length) is not from 20 to \(Self.maxParentLocatorBytes) bytes")
        }
        let w = try source.window(at: offset, count: Int(length), what: "VHDX parent locator")
        let type = try w.guidMixedEndian(0)
        if type != Self.vhdxParentLocatorType {
            warnings.append("VHDX parent locator at offset \(offset) has type \(type), not the VHDX locator type")
        }
        let count = Int(try w.u16le(18))
        guard 20 + count * 12 <= w.count else {
            throw ImageError.invalid(.outOfRange, "VHDX parent locator entry count", at: offset + 18,
                                     "\(count) entries do not fit in the locator's \(length) bytes")
        }
        func text(_ at: Int, _ bytes: Int, _ what: String) throws -> String {
            guard at >= 0, bytes >= 0, at <= w.count, bytes <= w.count - at, bytes % 2 == 0 else {
                throw ImageError.invalid(.outOfRange, "VHDX parent locator \(what)", at: offset,
                                         "\(bytes) bytes at offset \(at) lie outside the locator's \(length) bytes")
            }
            var units: [UInt16] = []
            for index in stride(from: at, to: at + bytes, by: 2) { units.append(try w.u16le(index)) }
            return String(decoding: units, as: UTF16.self)
        }
        for index in 0..<count {
            let at = 20 + 12 * index
            let key = try text(Int(try w.u32le(at)), Int(try w.u16le(at + 8)), "key")
            let value = try text(Int(try w.u32le(at + 4)), Int(try w.u16le(at + 10)), "value")
            parentLocator.append((key, value))
        }
    }
}

/// The shape of a VHDX block allocation table: payload block entries with a sector bitmap entry
/// after every `chunkRatio` of them.
struct VHDXBATGeometry: Sendable {
    /// Bits 20 to 63 of an entry: the block's file offset, a whole number of MiB.
    static let offsetMask: UInt64 = ~0xF_FFFF

    var blockSize: UInt64
    var logicalSectorSize: UInt64
    var chunkRatio: UInt64
    var dataBlocks: UInt64
    var totalEntries: UInt64
    var hasParent: Bool

    init(metadata: VHDXMetadata, bat: VHDXRegion, fileSize: UInt64) throws {
        blockSize = UInt64(metadata.blockSize)
        logicalSectorSize = UInt64(metadata.logicalSectorSize)
        hasParent = metadata.hasParent
        // Both sizes are checked powers of two with block ≤ 256 MiB, so the ratio is at least 16.
        chunkRatio = (UInt64(1) << 23) * logicalSectorSize / blockSize
        dataBlocks = (metadata.virtualSize + blockSize - 1) / blockSize
        if hasParent {
            totalEntries = (dataBlocks + chunkRatio - 1) / chunkRatio * (chunkRatio + 1)
        } else {
            totalEntries = dataBlocks == 0 ? 0 : dataBlocks + (dataBlocks - 1) / chunkRatio
        }
        guard totalEntries * 8 <= bat.length else {
            throw ImageError.invalid(.outOfRange, "VHDX BAT region", at: bat.fileOffset,
                                     "\(bat.length) bytes cannot hold the \(totalEntries) entries the disk needs")
        }
        guard bat.fileOffset <= fileSize, totalEntries * 8 <= fileSize - bat.fileOffset else {
            throw ImageError.invalid(.truncated, "VHDX BAT region", at: bat.fileOffset,
                                     "\(totalEntries) entries lie past the end of the file (size \(fileSize))")
        }
    }

    /// The BAT index of payload block `block`.
    func payloadIndex(_ block: UInt64) -> UInt64 { block + block / chunkRatio }

    /// The BAT index of the sector bitmap block of the chunk holding payload block `block`.
    func bitmapIndex(_ block: UInt64) -> UInt64 { block / chunkRatio * (chunkRatio + 1) + chunkRatio }
}
