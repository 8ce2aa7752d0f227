import DiskImage

/// The BIOS parameter block of a FAT12/16/32 volume: where the FATs, the root directory and the
/// data clusters lie.
public struct FATBootSector: Sendable, Equatable {
    /// 12, 16 or 32, decided by the cluster count as the FAT specification does.
    public var fatBits: Int
    public var bytesPerSector: UInt32
    public var sectorsPerCluster: UInt32
    public var reservedSectors: UInt32
    public var fatCount: UInt32
    public var rootEntries: UInt32
    public var totalSectors: UInt64
    public var sectorsPerFAT: UInt64
    /// FAT32 only: the first cluster of the root directory.
    public var rootCluster: UInt32
    /// The number of data clusters (numbered from 2).
    public var clusterCount: UInt32

    public var clusterSize: UInt64 { UInt64(bytesPerSector) * UInt64(sectorsPerCluster) }
    /// Byte offset of the first FAT.
    public var fatOffset: UInt64 { UInt64(reservedSectors) * UInt64(bytesPerSector) }
    /// Byte offset of the fixed root directory (FAT12/16).
    public var rootOffset: UInt64 { fatOffset + UInt64(fatCount) * sectorsPerFAT * UInt64(bytesPerSector) }
    /// Byte offset of cluster 2.
    public var dataOffset: UInt64 { rootOffset + UInt64(rootEntries) * 32 }

    /// Parses and checks the boot sector at the start of `source`.
    public static func parse(_ source: any ByteSource) throws -> FATBootSector {
        let w = try source.window(at: 0, count: 512, what: "FAT boot sector")
        guard try w.u16le(510) == 0xaa55 else {
            throw ImageError.invalid(.badMagic, "FAT boot sector signature", at: 510, "is not 55 AA")
        }
        let bytesPerSector = UInt32(try w.u16le(11))
        guard bytesPerSector >= 512, bytesPerSector <= 4096, bytesPerSector.nonzeroBitCount == 1 else {
            throw ImageError.invalid(.outOfRange, "FAT bytes per sector", at: 11, "\(bytesPerSector) is not a power of two from 512 to 4096")
        }
        let sectorsPerCluster = UInt32(try w.u8(13))
        guard sectorsPerCluster >= 1, sectorsPerCluster.nonzeroBitCount == 1 else {
            throw ImageError.invalid(.outOfRange, "FAT sectors per cluster", at: 13, "\(sectorsPerCluster) is not a power of two")
        }
        let reserved = UInt32(try w.u16le(14))
        let fats = UInt32(try w.u8(16))
        guard reserved >= 1, fats >= 1 else {
            throw ImageError.invalid(.outOfRange, "FAT reserved sectors / FAT count", at: 14, "\(reserved) reserved sectors and \(fats) FATs")
        }
        let rootEntries = UInt32(try w.u16le(17))
        let total16 = UInt64(try w.u16le(19))
        let total = total16 != 0 ? total16 : UInt64(try w.u32le(32))
        let fat16Size = UInt64(try w.u16le(22))
        let fatSize = fat16Size != 0 ? fat16Size : UInt64(try w.u32le(36))
        guard fatSize >= 1 else { throw ImageError.invalid(.outOfRange, "FAT size", at: 22, "is 0 sectors") }
        // All terms are at most 2^32 sectors of 2^12 bytes: no overflow in 64 bits.
        let rootSectors = (UInt64(rootEntries) * 32 + UInt64(bytesPerSector) - 1) / UInt64(bytesPerSector)
        let dataStart = UInt64(reserved) + UInt64(fats) * fatSize + rootSectors
        guard total > dataStart else {
            throw ImageError.invalid(.outOfRange, "FAT total sectors", at: 19, "\(total) leaves no room for data after sector \(dataStart)")
        }
        let clusters = (total - dataStart) / UInt64(sectorsPerCluster)
        let bits = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32
        guard clusters >= 1, clusters <= 0x0fff_fff5 else {
            throw ImageError.invalid(.outOfRange, "FAT cluster count", at: 19, "\(clusters) is out of range")
        }
        // Every data cluster needs an entry in the FAT.
        let fatBytes = fatSize * UInt64(bytesPerSector)
        guard (clusters + 2) * UInt64(bits) / 8 <= fatBytes else {
            throw ImageError.invalid(.outOfRange, "FAT size", at: 22, "\(fatSize) sectors cannot hold \(clusters) FAT\(bits) entries")
        }
        var rootCluster: UInt32 = 0
        if bits == 32 {
            guard rootEntries == 0 else {
                throw ImageError.invalid(.outOfRange, "FAT32 root entries", at: 17, "is \(rootEntries), must be 0")
            }
            rootCluster = try w.u32le(44) & 0x0fff_ffff
        } else {
            guard rootEntries >= 1 else {
                throw ImageError.invalid(.outOfRange, "FAT\(bits) root entries", at: 17, "is 0")
            }
        }
        return FATBootSector(fatBits: bits, bytesPerSector: bytesPerSector, sectorsPerCluster: sectorsPerCluster,
                             reservedSectors: reserved, fatCount: fats, rootEntries: rootEntries, totalSectors: total,
                             sectorsPerFAT: fatSize, rootCluster: rootCluster, clusterCount: UInt32(clusters))
    }
}

/// A read-only FAT12/16/32 filesystem with VFAT long names.
///
/// FAT has no inodes: koopack's inode number for a file or directory is the byte offset of its
/// 8.3 directory entry in the volume (always a multiple of 32), and the root directory is
/// inode 1. Permissions are synthetic (0755 for directories, 0644 for files, 0444 read-only),
/// owner root.
public struct VfatFileSystem: GuestFileSystem {
    /// Largest read served in one `read` call.
    public static let maxRead = 64 << 20
    /// Most entries in one directory: the FAT specification's limit of 65,536.
    public static let maxDirectoryEntries = 65_536
    /// Longest cluster chain walked (and remembered for loop detection): 4 Mi clusters, at least
    /// 2 GiB of file even with 512-byte clusters, and at most a few tens of MiB of memory.
    public static let maxChainClusters: UInt64 = 1 << 22
    /// The root directory's synthetic inode number.
    public static let rootNumber: UInt64 = 1

    public let source: any ByteSource
    public let boot: FATBootSector
    public var kind: FilesystemKind { .vfat }
    public var rootInode: UInt64 { Self.rootNumber }

    /// Reads and checks the boot sector of the FAT volume on `source`.
    public init(_ source: any ByteSource) throws {
        self.source = source
        self.boot = try FATBootSector.parse(source)
        if boot.fatBits == 32 { _ = try checkedCluster(boot.rootCluster, what: "FAT32 root directory") }
    }

    /// The 8.3 entry behind inode `number`.
    private func entry(_ number: UInt64) throws -> FATDirectoryEntry {
        guard number % 32 == 0, number >= boot.rootOffset, number < source.size else {
            throw ImageError(.outOfRange, "FAT inode \(number) is not the offset of a directory entry in the volume")
        }
        let w = try source.window(at: number, count: 32, what: "FAT directory entry")
        guard let entry = try FATDirectoryEntry(w, offset: number), entry.isFileOrDirectory else {
            throw ImageError(.outOfRange, "FAT inode \(number) is not the offset of a file or directory entry")
        }
        return entry
    }

    public func inode(_ number: UInt64) throws -> GuestInode {
        if number == Self.rootNumber {
            return GuestInode(number: number, type: .directory, size: 0, permissions: 0o755, uid: 0, gid: 0)
        }
        let e = try entry(number)
        let type: GuestFileType = e.isDirectory ? .directory : .regular
        let permissions: UInt16 = e.isDirectory ? 0o755 : e.isReadOnly ? 0o444 : 0o644
        return GuestInode(number: number, type: type, size: e.isDirectory ? 0 : UInt64(e.size),
                          permissions: permissions, uid: 0, gid: 0)
    }

    public func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry] {
        if number == Self.rootNumber {
            if boot.fatBits == 32 { return try listDirectory(cluster: boot.rootCluster) }
            return try listEntries(regions: [(boot.rootOffset, UInt64(boot.rootEntries) * 32)])
        }
        let e = try entry(number)
        guard e.isDirectory else { throw ImageError(.invalid, "FAT inode \(number) is not a directory") }
        guard e.firstCluster != 0 else {
            return try listDirectory(cluster: boot.fatBits == 32 ? boot.rootCluster : 0)  // ".." to the root
        }
        return try listDirectory(cluster: e.firstCluster)
    }

    public func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8] {
        let e = try entry(number)
        guard !e.isDirectory else { throw ImageError(.invalid, "FAT inode \(number) is a directory") }
        let size = UInt64(e.size)
        guard count > 0, offset < size else { return [] }
        let length = min(UInt64(min(count, Self.maxRead)), size - offset)
        let clusterSize = boot.clusterSize
        let needed = (size + clusterSize - 1) / clusterSize
        let first = offset / clusterSize
        let last = (offset + length - 1) / clusterSize
        let chain = try clusterChain(e.firstCluster, limit: last + 1, what: "FAT inode \(number)")
        guard UInt64(chain.count) > last else {
            throw ImageError(.outOfRange, "FAT inode \(number): cluster chain has \(chain.count) clusters, the file's \(size) bytes need \(needed)")
        }
        var output: [UInt8] = []
        output.reserveCapacity(Int(length))
        for index in first...last {
            let start = index == first ? offset % clusterSize : 0
            let want = min(clusterSize - start, length - UInt64(output.count))
            let at = try clusterOffset(chain[Int(index)]) + start
            output += try source.readExactly(at: at, count: Int(want), what: "FAT cluster \(chain[Int(index)])")
        }
        return output
    }

    public func symlinkTarget(_ number: UInt64) throws -> String {
        throw ImageError(.invalid, "FAT inode \(number): FAT filesystems have no symbolic links")
    }

    /// Checks that `cluster` is a data cluster of this volume.
    private func checkedCluster(_ cluster: UInt32, what: String) throws -> UInt32 {
        guard cluster >= 2, cluster - 2 < boot.clusterCount else {
            throw ImageError(.outOfRange, "\(what): cluster \(cluster) is out of range (2 to \(boot.clusterCount + 1))")
        }
        return cluster
    }

    /// The byte offset of data cluster `cluster`.
    private func clusterOffset(_ cluster: UInt32) throws -> UInt64 {
        boot.dataOffset + UInt64(cluster - 2) * boot.clusterSize
    }

    /// The clusters of the chain starting at `start`, at most `limit` of them (callers pass the
    /// clusters a file's size needs, so the walk and its loop-detection set stay bounded). A chain
    /// that comes back to a cluster it already passed is an error.
    func clusterChain(_ start: UInt32, limit: UInt64, what: String) throws -> [UInt32] {
        var chain: [UInt32] = []
        var cluster = try checkedCluster(start, what: what)
        var cache: (offset: UInt64, bytes: [UInt8])? = nil
        let endMarker: UInt32 = boot.fatBits == 12 ? 0xff8 : boot.fatBits == 16 ? 0xfff8 : 0x0fff_fff8
        guard limit <= Self.maxChainClusters else {
            throw ImageError(.limit, "\(what): reading \(limit) clusters of one chain is more than koopack's \(Self.maxChainClusters)")
        }
        var visited = Set<UInt32>()
        while UInt64(chain.count) < limit {
            guard visited.insert(cluster).inserted else {
                throw ImageError(.loop, "\(what): cluster chain loops back to cluster \(cluster) after \(chain.count) clusters")
            }
            chain.append(cluster)
            let next = try fatEntry(cluster, cache: &cache)
            if next >= endMarker { break }
            cluster = try checkedCluster(next, what: "\(what) FAT entry after cluster \(cluster)")
        }
        return chain
    }

    /// FAT entry `cluster` of the first FAT, read through a 4 KiB window cache.
    private func fatEntry(_ cluster: UInt32, cache: inout (offset: UInt64, bytes: [UInt8])?) throws -> UInt32 {
        let byte: UInt64 = switch boot.fatBits {
        case 12: UInt64(cluster) + UInt64(cluster) / 2
        case 16: UInt64(cluster) * 2
        default: UInt64(cluster) * 4
        }
        let position = boot.fatOffset + byte
        let width = boot.fatBits == 32 ? 4 : 2
        let window: ByteWindow
        if let cached = cache, position >= cached.offset,
           position + UInt64(width) <= cached.offset + UInt64(cached.bytes.count) {
            window = ByteWindow(cached.bytes, at: cached.offset)
        } else {
            let chunk = position & ~4095
            let bytes = try source.read(at: chunk, count: 8192)
            cache = (chunk, bytes)
            window = ByteWindow(bytes, at: chunk)
        }
        let o = Int(position - window.base)
        switch boot.fatBits {
        case 12:
            let raw = UInt32(try window.u16le(o))
            return cluster & 1 == 1 ? raw >> 4 : raw & 0xfff
        case 16: return UInt32(try window.u16le(o))
        default: return try window.u32le(o) & 0x0fff_ffff
        }
    }

    /// The entries of the directory whose clusters start at `cluster`.
    private func listDirectory(cluster: UInt32) throws -> [GuestDirectoryEntry] {
        let maxClusters = UInt64(Self.maxDirectoryEntries) * 32 / boot.clusterSize + 1
        let chain = try clusterChain(cluster, limit: maxClusters, what: "FAT directory at cluster \(cluster)")
        return try listEntries(regions: try chain.map { (try clusterOffset($0), boot.clusterSize) })
    }

    /// Decodes the 32-byte entries of a directory laid out in `regions`, joining VFAT long-name
    /// entries to the 8.3 entry they precede.
    private func listEntries(regions: [(offset: UInt64, length: UInt64)]) throws -> [GuestDirectoryEntry] {
        var result: [GuestDirectoryEntry] = []
        var longName = FATLongNameCollector()
        var seen = 0
        for region in regions {
            let w = try source.window(at: region.offset, count: Int(region.length), what: "FAT directory")
            for slot in 0..<(w.count / 32) {
                seen += 1
                guard seen <= Self.maxDirectoryEntries else {
                    throw ImageError(.limit, offset: region.offset, "FAT directory has more than \(Self.maxDirectoryEntries) entries")
                }
                let offset = region.offset + UInt64(slot * 32)
                let raw = ByteWindow(Array(try w.slice(slot * 32, 32)), at: offset)
                guard let entry = try FATDirectoryEntry(raw, offset: offset) else { return result }  // end marker
                if entry.isDeleted { longName.reset(); continue }
                if entry.isLongName { try longName.add(raw); continue }
                guard entry.isFileOrDirectory, !entry.isDotEntry else { longName.reset(); continue }
                let name = longName.name(for: entry.shortNameBytes) ?? entry.shortName
                longName.reset()
                result.append(GuestDirectoryEntry(name: name, inode: offset, type: entry.isDirectory ? .directory : .regular))
            }
        }
        return result
    }
}
