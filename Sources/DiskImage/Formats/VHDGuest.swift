/// The guest's disk of a VHD: a fixed disk is the file minus its footer; a dynamic or
/// differencing disk maps each block through the block allocation table (big-endian sector
/// numbers, 0xFFFFFFFF for a block not in the image) and each sector through the block's bitmap
/// (most significant bit first; a set bit means the sector is in this image).
enum VHDGuestDisk {
    /// Block allocation table entries read at a time (4 KiB).
    static let tablePageEntries: UInt64 = 1024
    /// Table pages and bitmap sectors kept in memory: enough for a few hundred MiB of guest reads
    /// without reading the table again, and never more than about 300 KiB.
    static let cachedPages = 64
    static let cachedBitmapSectors = 256
    /// Guest sectors one 512-byte bitmap sector covers.
    static let sectorsPerBitmapSector: UInt64 = 4096

    /// The bytes of a block's sector bitmap: one bit per 512-byte sector, rounded up to a sector.
    static func bitmapSize(blockSize: UInt64) -> UInt64 {
        let bytes = (blockSize / 512 + 7) / 8
        return (bytes + 511) / 512 * 512
    }

    static func open(_ image: VHDImage, source: any ByteSource, context: InspectContext,
                     backing: (any ByteSource)?) throws -> any ByteSource {
        let size = image.virtualSize
        guard let header = image.dynamicHeader else {
            let dataBytes = image.footerAtEnd ? source.size - UInt64(VHDFooter.size) : 0
            return BlockMappedDisk(size: size, backing: nil) { offset in
                offset < dataBytes
                    ? GuestExtent(.data(source, offset: offset), length: min(dataBytes, size) - offset)
                    : GuestExtent(.zero, length: size - offset)
            }
        }
        var parent = backing
        if image.isDifferencing, parent == nil {
            parent = try DifferencingParent.open(
                candidates: DifferencingParent.candidates(relative: header.relativeParentPath,
                                                          absolute: header.absoluteParentPath,
                                                          name: header.parentName),
                reference: header.parentReference, context: context).disk
        }
        let map = VHDBlockMap(source: source, header: header)
        return BlockMappedDisk(size: size, backing: parent) { offset in try map.locate(offset) }
    }
}

/// The block allocation table and sector bitmaps of a dynamic or differencing VHD, read on demand.
struct VHDBlockMap: Sendable {
    let source: any ByteSource
    let tableOffset: UInt64
    let entries: UInt64
    let blockSize: UInt64
    let bitmapSize: UInt64
    let pages = TableCache<UInt64, ByteWindow>(capacity: VHDGuestDisk.cachedPages)
    let bitmaps = TableCache<UInt64, [UInt8]>(capacity: VHDGuestDisk.cachedBitmapSectors)

    init(source: any ByteSource, header: VHDDynamicHeader) {
        self.source = source
        tableOffset = header.tableOffset
        entries = UInt64(header.maxTableEntries)
        blockSize = UInt64(header.blockSize)
        bitmapSize = VHDGuestDisk.bitmapSize(blockSize: blockSize)
    }

    /// The table entry of `block` (below `entries`).
    func entry(_ block: UInt64) throws -> UInt32 {
        let page = block / VHDGuestDisk.tablePageEntries
        let window = try pages.value(for: page) {
            let first = page * VHDGuestDisk.tablePageEntries
            let count = min(VHDGuestDisk.tablePageEntries, entries - first)
            return try source.window(at: tableOffset + first * 4, count: Int(count * 4), what: "VHD block allocation table")
        }
        return try window.u32be(Int(block % VHDGuestDisk.tablePageEntries) * 4)
    }

    /// Where the guest bytes from `offset` on live, up to the end of a run of sectors that the
    /// bitmap marks alike.
    func locate(_ offset: UInt64) throws -> GuestExtent {
        let block = offset / blockSize
        let inBlock = offset % blockSize
        guard block < entries else { return GuestExtent(.unallocated, length: blockSize - inBlock) }
        let sectorNumber = try entry(block)
        guard sectorNumber != 0xFFFF_FFFF else { return GuestExtent(.unallocated, length: blockSize - inBlock) }
        let bitmapStart = UInt64(sectorNumber) * 512
        let sector = inBlock / 512
        let piece = sector / VHDGuestDisk.sectorsPerBitmapSector
        let pieceOffset = bitmapStart + piece * 512
        let bits = try bitmaps.value(for: pieceOffset) {
            let bytes = try source.read(at: pieceOffset, count: 512)
            guard bytes.count == 512 else {
                throw ImageError(.truncated, offset: pieceOffset, "VHD block \(block)'s sector bitmap at offset \(pieceOffset) "
                                 + "lies past the end of the file (size \(source.size))")
            }
            return bytes
        }
        func present(_ s: UInt64) -> Bool {
            let bit = Int(s % VHDGuestDisk.sectorsPerBitmapSector)
            return bits[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0
        }
        let sectorsPerBlock = blockSize / 512
        let pieceEnd = min(sectorsPerBlock, (piece + 1) * VHDGuestDisk.sectorsPerBitmapSector)
        let inImage = present(sector)
        var end = sector + 1
        while end < pieceEnd, present(end) == inImage { end += 1 }
        let length = end * 512 - inBlock
        guard inImage else { return GuestExtent(.unallocated, length: length) }
        return GuestExtent(.data(source, offset: bitmapStart + bitmapSize + inBlock), length: length)
    }
}

/// The parent of a differencing VHD or VHDX, which QEMU 7.2 does not follow: koopack finds it
/// from the paths the image records and opens its guest disk through `ImageInspector`.
enum DifferencingParent {
    /// How many parents deep the current open is, so that a chain of differencing images that
    /// loops back on itself ends with an error instead of recursing forever.
    @TaskLocal static var depth = 0

    /// Names to try, relative to the child's directory: the relative path with Windows
    /// separators turned around, then the last component of the absolute path and of the name.
    static func candidates(relative: String?, absolute: String?, name: String?) -> [String] {
        var names: [String] = []
        func add(_ name: String) {
            if !name.isEmpty, !names.contains(name) { names.append(name) }
        }
        if let relative {
            var path = String(relative.map { $0 == "\\" ? "/" : $0 })
            while path.hasPrefix("./") { path.removeFirst(2) }
            add(path)
        }
        for path in [absolute, name].compactMap({ $0 }) {
            if path.hasPrefix("/") { add(path) }
            let last = path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last.map(String.init) ?? ""
            add(last)
        }
        return names
    }

    /// Opens the first candidate that exists as a guest disk.
    static func open(candidates: [String], reference: String,
                     context: InspectContext) throws -> (path: String, disk: any ByteSource) {
        guard let resolver = context.resolver else {
            throw ImageError(.unsupported, "parent \(reference) cannot be opened here (no file system to resolve it)")
        }
        guard depth < ImageInspector.maxBackingDepth else {
            throw ImageError(.limit, "chain of differencing parents is deeper than \(ImageInspector.maxBackingDepth) images")
        }
        for name in candidates {
            let path = FilePaths.combine(base: context.filename, name)
            guard resolver.canonicalPath(path) != nil else { continue }
            let disk = try $depth.withValue(depth + 1) {
                try ImageInspector(resolver: resolver).openGuest(path: path).disk
            }
            return (path, disk)
        }
        throw ImageError(.io, "parent \(reference) cannot be found (tried \(candidates.joined(separator: ", ")))")
    }
}
