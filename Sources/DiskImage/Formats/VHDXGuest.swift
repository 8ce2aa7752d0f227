/// The guest's disk of a VHDX, mapped block by block through the BAT. Payload states: not
/// present, undefined and unmapped read from the parent (zeros without one); zero reads zeros;
/// fully present reads the block; partially present (differencing disks only) reads each
/// logical sector from the block or the parent as the chunk's sector bitmap says (bit set:
/// in this file; least significant bit first).
enum VHDXGuestDisk {
    static func open(_ image: VHDXImage, source: any ByteSource, context: InspectContext,
                     backing: (any ByteSource)?) throws -> any ByteSource {
        var parent = backing
        if image.metadata.hasParent, parent == nil {
            let metadata = image.metadata
            parent = try DifferencingParent.open(
                candidates: DifferencingParent.candidates(relative: metadata.locatorValue("relative_path"),
                                                          absolute: metadata.locatorValue("absolute_win32_path"),
                                                          name: metadata.locatorValue("volume_path")),
                reference: metadata.parentReference, context: context).disk
        }
        let map = VHDXBlockMap(source: source, tableOffset: image.bat.fileOffset, geometry: image.geometry)
        return BlockMappedDisk(size: image.metadata.virtualSize, backing: parent) { offset in try map.locate(offset) }
    }
}

/// The BAT and sector bitmaps of a VHDX, read on demand and cached.
struct VHDXBlockMap: Sendable {
    /// BAT entries read at a time (4 KiB).
    static let pageEntries: UInt64 = 512
    /// Table pages and bitmap pieces kept in memory (about 256 KiB each at most).
    static let cachedPages = 64
    static let cachedBitmapPieces = 64
    /// Bytes of sector bitmap read at a time; each covers 4096 logical sectors.
    static let bitmapPiece: UInt64 = 512

    let source: any ByteSource
    let tableOffset: UInt64
    let geometry: VHDXBATGeometry
    let pages = TableCache<UInt64, ByteWindow>(capacity: cachedPages)
    let bitmaps = TableCache<UInt64, [UInt8]>(capacity: cachedBitmapPieces)

    init(source: any ByteSource, tableOffset: UInt64, geometry: VHDXBATGeometry) {
        self.source = source
        self.tableOffset = tableOffset
        self.geometry = geometry
    }

    /// BAT entry `index` (below `totalEntries`), with its file offset for messages.
    func entry(_ index: UInt64) throws -> UInt64 {
        guard index < geometry.totalEntries else {
            throw ImageError(.outOfRange, offset: tableOffset, "VHDX BAT entry \(index) is past the table's \(geometry.totalEntries) entries")
        }
        let page = index / Self.pageEntries
        let window = try pages.value(for: page) {
            let first = page * Self.pageEntries
            let count = min(Self.pageEntries, geometry.totalEntries - first)
            return try source.window(at: tableOffset + first * 8, count: Int(count * 8), what: "VHDX block allocation table")
        }
        return try window.u64le(Int(index % Self.pageEntries) * 8)
    }

    func entryOffset(_ index: UInt64) -> UInt64 { tableOffset + index * 8 }

    func locate(_ offset: UInt64) throws -> GuestExtent {
        let blockSize = geometry.blockSize
        let block = offset / blockSize
        let inBlock = offset % blockSize
        let rest = blockSize - inBlock
        let index = geometry.payloadIndex(block)
        let value = try entry(index)
        let start = value & VHDXBATGeometry.offsetMask
        switch value & 7 {
        case 0, 1, 3, 5:
            return GuestExtent(.unallocated, length: rest)
        case 2:
            return GuestExtent(.zero, length: rest)
        case 6:
            guard start != 0 else {
                throw ImageError.invalid(.outOfRange, "VHDX BAT entry \(index)", at: entryOffset(index), "a present block at file offset 0")
            }
            guard start <= UInt64.max - blockSize else {
                throw ImageError.invalid(.outOfRange, "VHDX BAT entry \(index)", at: entryOffset(index), "block offset \(start) overflows")
            }
            return GuestExtent(.data(source, offset: start + inBlock), length: rest)
        case 7:
            guard geometry.hasParent else {
                throw ImageError.invalid(.invalid, "VHDX BAT entry \(index)", at: entryOffset(index),
                                         "block is partially present, but the disk has no parent")
            }
            guard start != 0, start <= UInt64.max - blockSize else {
                throw ImageError.invalid(.outOfRange, "VHDX BAT entry \(index)", at: entryOffset(index), "block offset \(start) is impossible")
            }
            return try partiallyPresent(block: block, inBlock: inBlock, blockStart: start)
        default:
            throw ImageError.invalid(.outOfRange, "VHDX BAT entry \(index)", at: entryOffset(index), "unknown payload block state \(value & 7)")
        }
    }

    /// A run of sectors of a partially present block that the chunk's bitmap marks alike.
    func partiallyPresent(block: UInt64, inBlock: UInt64, blockStart: UInt64) throws -> GuestExtent {
        let bitmapIndex = geometry.bitmapIndex(block)
        let bitmapEntry = try entry(bitmapIndex)
        guard bitmapEntry & 7 == 6, bitmapEntry & VHDXBATGeometry.offsetMask != 0 else {
            throw ImageError.invalid(.invalid, "VHDX BAT entry \(bitmapIndex)", at: entryOffset(bitmapIndex),
                                     "the sector bitmap of a partially present block is not present (state \(bitmapEntry & 7))")
        }
        let sectorSize = geometry.logicalSectorSize
        let sectorsPerBlock = geometry.blockSize / sectorSize
        let firstSector = (block % geometry.chunkRatio) * sectorsPerBlock
        let sector = firstSector + inBlock / sectorSize
        let bitsPerPiece = Self.bitmapPiece * 8
        let piece = sector / bitsPerPiece
        let (pieceOffset, overflow) = (bitmapEntry & VHDXBATGeometry.offsetMask)
            .addingReportingOverflow(piece * Self.bitmapPiece)
        guard !overflow else {
            throw ImageError.invalid(.outOfRange, "VHDX BAT entry \(bitmapIndex)", at: entryOffset(bitmapIndex), "bitmap offset overflows")
        }
        let bits = try bitmaps.value(for: pieceOffset) {
            let bytes = try source.read(at: pieceOffset, count: Int(Self.bitmapPiece))
            guard bytes.count == Int(Self.bitmapPiece) else {
                throw ImageError(.truncated, offset: pieceOffset, "VHDX sector bitmap at offset \(pieceOffset) lies past the end of the file "
                                 + "(size \(source.size))")
            }
            return bytes
        }
        func present(_ s: UInt64) -> Bool {
            let bit = Int(s % bitsPerPiece)
            return bits[bit / 8] & (1 << UInt8(bit % 8)) != 0
        }
        let end = min(firstSector + sectorsPerBlock, (piece + 1) * bitsPerPiece)
        let inFile = present(sector)
        var next = sector + 1
        while next < end, present(next) == inFile { next += 1 }
        let length = (next - firstSector) * sectorSize - inBlock
        guard inFile else { return GuestExtent(.unallocated, length: length) }
        return GuestExtent(.data(source, offset: blockStart + inBlock), length: length)
    }
}
