import DiskImage

/// How an XFS inode's data fork holds its data.
enum XFSForkFormat: Sendable {
    /// The data sits in the inode itself (short-form directories, short symlinks).
    case local
    /// A list of extent records in the inode.
    case extents
    /// The root of a block-map B+tree in the inode.
    case btree
}

/// One mapping of file blocks to filesystem blocks (a decoded 128-bit extent record).
struct XFSExtent: Sendable, Equatable {
    /// First file block the extent maps.
    var fileBlock: UInt64
    /// First filesystem block (group and block in group) it maps to.
    var diskBlock: UInt64
    var blockCount: UInt64
    /// Preallocated but never written: reads as zeros.
    var unwritten: Bool

    /// Decodes the packed big-endian record at `offset` of `w`: 1 bit unwritten flag, 54 bits file
    /// offset, 52 bits start block, 21 bits length.
    static func decode(_ w: ByteWindow, at offset: Int) throws -> XFSExtent {
        let high = try w.u64be(offset)
        let low = try w.u64be(offset + 8)
        return XFSExtent(fileBlock: (high >> 9) & ((UInt64(1) << 54) - 1),
                         diskBlock: ((high & 0x1ff) << 43) | (low >> 21),
                         blockCount: low & ((UInt64(1) << 21) - 1),
                         unwritten: high >> 63 != 0)
    }
}

/// The parts of an XFS on-disk inode (`xfs_dinode`) koopack uses, with its data fork's bytes.
struct XFSInodeCore: Sendable {
    var number: UInt64
    var mode: UInt16
    var type: GuestFileType
    var format: XFSForkFormat
    var uid: UInt32
    var gid: UInt32
    var size: UInt64
    var extentCount: UInt64
    /// The data fork's bytes, and where they sit in the source.
    var fork: ByteWindow

    /// The inline data of a local-format fork: `size` bytes, which must fit in the fork.
    func localData() throws -> [UInt8] {
        guard size <= UInt64(fork.count) else {
            throw ImageError.invalid(.outOfRange, "XFS inode \(number) inline size", at: fork.base, "\(size) bytes do not fit in its \(fork.count)-byte data fork")
        }
        return Array(try fork.slice(0, Int(size)))
    }
}

extension XFSFileSystem {
    /// Most extents koopack collects for one file: about 32 MiB of mappings, far beyond any real
    /// file, so a damaged extent count cannot exhaust memory.
    static let maxExtents = 1 << 20
    /// Deepest block-map B+tree accepted (XFS's own maximum for 64-bit extent counts is 9; each
    /// level must be one less than its parent, so this also bounds the walk).
    static let maxBtreeLevels = 10
    /// Most B+tree blocks visited for one file.
    static let maxBtreeBlocks = 1 << 16
    /// The v3 (v5 filesystem) inode core is 176 bytes; v1/v2 cores are 100.
    static let v3CoreSize = 176
    static let v2CoreSize = 100
    /// `di_flags` bit: the file's data lives on the realtime device, which koopack does not read.
    static let realtimeFlag: UInt16 = 0x1
    /// `di_flags2` bit: the extent count is the 64-bit `di_big_nextents`.
    static let nrext64Flag: UInt64 = 1 << 4

    /// Reads and checks inode `number`.
    func loadInode(_ number: UInt64) throws -> XFSInodeCore {
        let offset = try inodeOffset(number)
        let size = Int(superblock.inodeSize)
        let w = try source.window(at: offset, count: size, what: "XFS inode \(number)")
        guard try w.u16be(0) == 0x494e else {
            throw ImageError.invalid(.badMagic, "XFS inode \(number) magic", at: offset, "is not \"IN\"")
        }
        let version = try w.u8(4)
        let coreSize: Int
        switch (version, superblock.hasCRC) {
        case (1, false), (2, false): coreSize = Self.v2CoreSize
        case (3, true):
            coreSize = Self.v3CoreSize
            let recorded = try w.u64be(152)
            guard recorded == number else {
                throw ImageError.invalid(.outOfRange, "XFS inode \(number) number", at: offset + 152, "records inode \(recorded)")
            }
        default:
            throw ImageError.invalid(.outOfRange, "XFS inode \(number) version", at: offset + 4, "\(version) does not belong on a v\(superblock.version) filesystem")
        }
        let mode = try w.u16be(2)
        let type: GuestFileType
        switch mode & 0o170000 {
        case 0o100000: type = .regular
        case 0o040000: type = .directory
        case 0o120000: type = .symlink
        case 0o020000: type = .characterDevice
        case 0o060000: type = .blockDevice
        case 0o010000: type = .fifo
        case 0o140000: type = .socket
        default: type = .unknown
        }
        let formatCode = try w.u8(5)
        let format: XFSForkFormat
        switch formatCode {
        case 1: format = .local
        case 2: format = .extents
        case 3: format = .btree
        default: format = .local  // device inodes (0) and the like hold no data koopack reads
        }
        let fileSize = try w.u64be(56)
        guard fileSize <= UInt64(Int64.max) else {
            throw ImageError.invalid(.outOfRange, "XFS inode \(number) size", at: offset + 56, "\(fileSize) is negative")
        }
        let flags = try w.u16be(90)
        if flags & Self.realtimeFlag != 0, type == .regular {
            throw ImageError.invalid(.unsupported, "XFS inode \(number) flags", at: offset + 90, "the file lives on a realtime device, which koopack does not read")
        }
        let flags2: UInt64 = version == 3 ? try w.u64be(120) : 0
        let extentCount = flags2 & Self.nrext64Flag != 0 ? try w.u64be(24) : UInt64(try w.u32be(76))
        let forkOffset = Int(try w.u8(82)) * 8
        let literal = size - coreSize
        guard forkOffset <= literal else {
            throw ImageError.invalid(.outOfRange, "XFS inode \(number) attribute fork offset", at: offset + 82, "\(forkOffset) is past the \(literal)-byte literal area")
        }
        let forkSize = forkOffset == 0 ? literal : forkOffset
        let fork = ByteWindow(Array(try w.slice(coreSize, forkSize)), at: offset + UInt64(coreSize))
        return XFSInodeCore(number: number, mode: mode, type: type, format: format, uid: try w.u32be(8),
                            gid: try w.u32be(12), size: fileSize, extentCount: extentCount, fork: fork)
    }

    /// The extents of an extents- or btree-format data fork, sorted by file block, each checked
    /// to lie inside the filesystem.
    func extents(of inode: XFSInodeCore) throws -> [XFSExtent] {
        var list: [XFSExtent] = []
        switch inode.format {
        case .local: return []
        case .extents:
            guard inode.extentCount <= UInt64(inode.fork.count / 16) else {
                throw ImageError.invalid(.outOfRange, "XFS inode \(inode.number) extent count", at: inode.fork.base, "\(inode.extentCount) records do not fit in the \(inode.fork.count)-byte data fork")
            }
            for i in 0..<Int(inode.extentCount) { list.append(try XFSExtent.decode(inode.fork, at: i * 16)) }
        case .btree:
            try collectBtreeRoot(inode, into: &list)
        }
        list.sort { $0.fileBlock < $1.fileBlock }
        var nextFree: UInt64 = 0
        for extent in list {
            guard extent.fileBlock >= nextFree else {
                throw ImageError(.outOfRange, "XFS inode \(inode.number): extents overlap at file block \(extent.fileBlock)")
            }
            _ = try superblock.byteOffset(ofBlock: extent.diskBlock, count: extent.blockCount,
                                          what: "XFS inode \(inode.number) extent at file block \(extent.fileBlock)")
            nextFree = extent.fileBlock + extent.blockCount  // 54 + 21 bits: cannot overflow
        }
        return list
    }

    /// Walks the block-map B+tree whose root sits in `inode`'s data fork.
    private func collectBtreeRoot(_ inode: XFSInodeCore, into list: inout [XFSExtent]) throws {
        let fork = inode.fork
        let level = Int(try fork.u16be(0))
        let records = Int(try fork.u16be(2))
        let maxRecords = (fork.count - 4) / 16
        guard level >= 1, level < Self.maxBtreeLevels else {
            throw ImageError.invalid(.outOfRange, "XFS inode \(inode.number) block-map root level", at: fork.base, "\(level) is not 1 to \(Self.maxBtreeLevels - 1)")
        }
        guard records <= maxRecords else {
            throw ImageError.invalid(.outOfRange, "XFS inode \(inode.number) block-map root records", at: fork.base + 2, "\(records) is more than the \(maxRecords) that fit")
        }
        var visited = 0
        for i in 0..<records {
            let child = try fork.u64be(4 + maxRecords * 8 + i * 8)
            try collectBtreeBlock(child, level: level - 1, inode: inode.number, visited: &visited, into: &list)
        }
    }

    /// Reads one block-map B+tree block that must be at `level`, and its children.
    private func collectBtreeBlock(_ block: UInt64, level: Int, inode: UInt64, visited: inout Int,
                                   into list: inout [XFSExtent]) throws {
        visited += 1
        guard visited <= Self.maxBtreeBlocks else {
            throw ImageError(.limit, "XFS inode \(inode): block map has more than \(Self.maxBtreeBlocks) blocks")
        }
        let offset = try superblock.byteOffset(ofBlock: block, what: "XFS inode \(inode) block-map block")
        let w = try source.window(at: offset, count: Int(superblock.blockSize), what: "XFS block-map block")
        let magic = try w.u32be(0)
        let expected: UInt32 = superblock.hasCRC ? 0x424d_4133 : 0x424d_4150  // "BMA3" / "BMAP"
        guard magic == expected else {
            throw ImageError.invalid(.badMagic, "XFS inode \(inode) block-map block magic", at: offset, "is not \(superblock.hasCRC ? "BMA3" : "BMAP")")
        }
        let blockLevel = Int(try w.u16be(4))
        guard blockLevel == level else {
            throw ImageError.invalid(.outOfRange, "XFS inode \(inode) block-map block level", at: offset + 4, "is \(blockLevel), its parent expects \(level)")
        }
        let header = superblock.hasCRC ? 72 : 24
        let records = Int(try w.u16be(6))
        let maxRecords = (w.count - header) / 16
        guard records <= maxRecords else {
            throw ImageError.invalid(.outOfRange, "XFS inode \(inode) block-map block records", at: offset + 6, "\(records) is more than the \(maxRecords) that fit")
        }
        if level == 0 {
            guard list.count + records <= Self.maxExtents else {
                throw ImageError(.limit, "XFS inode \(inode): more than \(Self.maxExtents) extents")
            }
            for i in 0..<records { list.append(try XFSExtent.decode(w, at: header + i * 16)) }
            return
        }
        for i in 0..<records {
            let child = try w.u64be(header + maxRecords * 8 + i * 8)
            try collectBtreeBlock(child, level: level - 1, inode: inode, visited: &visited, into: &list)
        }
    }

    /// `count` bytes from byte `offset` of a file mapped by `extents`; holes and unwritten
    /// extents read as zeros.
    func readMapped(_ extents: [XFSExtent], at offset: UInt64, count: Int, inode: UInt64) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        let blockSize = UInt64(superblock.blockSize)
        let end = offset + UInt64(count)
        for extent in extents where !extent.unwritten {
            let (start, o1) = extent.fileBlock.multipliedReportingOverflow(by: blockSize)
            let (length, o2) = extent.blockCount.multipliedReportingOverflow(by: blockSize)
            guard !o1, !o2 else { continue }  // beyond any byte offset a read can ask for
            let (stop, o3) = start.addingReportingOverflow(length)
            guard !o3, stop > offset, start < end else { continue }
            let from = max(start, offset)
            let to = min(stop, end)
            let disk = try superblock.byteOffset(ofBlock: extent.diskBlock, count: extent.blockCount, what: "XFS inode \(inode)")
            let bytes = try source.readExactly(at: disk + (from - start), count: Int(to - from), what: "XFS inode \(inode) data")
            let at = Int(from - offset)
            output.replaceSubrange(at..<(at + bytes.count), with: bytes)
        }
        return output
    }

    /// The target of a symlink kept in blocks. On v5 filesystems each block starts with a
    /// 56-byte "XSLM" header; blocks without one (as mkfs.xfs's protofile code writes them) are
    /// read as plain target bytes.
    func remoteSymlink(_ inode: XFSInodeCore) throws -> [UInt8] {
        let list = try extents(of: inode)
        let blockSize = Int(superblock.blockSize)
        let plain = try readMapped(list, at: 0, count: Int(inode.size), inode: inode.number)
        guard superblock.hasCRC, ByteWindow(plain).matches([0x58, 0x53, 0x4c, 0x4d], at: 0) else { return plain }
        var target: [UInt8] = []
        var block: UInt64 = 0
        while target.count < Int(inode.size) {
            let bytes = try readMapped(list, at: block * UInt64(blockSize), count: blockSize, inode: inode.number)
            let w = ByteWindow(bytes)
            guard w.matches([0x58, 0x53, 0x4c, 0x4d], at: 0) else {  // "XSLM"
                throw ImageError(.badMagic, "XFS symbolic link \(inode.number): block \(block) has no \"XSLM\" header")
            }
            let length = Int(try w.u32be(8))
            let want = Int(inode.size) - target.count
            guard length >= 1, length <= want, length <= blockSize - 56 else {
                throw ImageError(.outOfRange, "XFS symbolic link \(inode.number): block \(block) holds \(length) bytes, expected 1 to \(min(want, blockSize - 56))")
            }
            target += try w.slice(56, length)
            block += 1
        }
        return target
    }
}
