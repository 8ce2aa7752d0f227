import DiskImage

/// The facts of an XFS superblock (the first sector of allocation group 0) that reading files
/// needs: the geometry that turns inode and block numbers into byte offsets, and the features that
/// change the on-disk layout (v5 CRC headers, file types in directory entries, 64-bit extent counts).
public struct XFSSuperblock: Sendable, Equatable {
    /// "XFSB".
    public static let magic: UInt32 = 0x5846_5342
    /// Most allocation groups accepted. Real filesystems have a few to a few thousand; the cap keeps
    /// inode-number arithmetic far from overflow.
    public static let maxAGCount: UInt32 = 1 << 20
    /// `features_incompat` bit: directory entries record the file type (v5).
    static let incompatFileType: UInt32 = 0x1
    /// `features_incompat` bit: inodes may carry 64-bit extent counters.
    static let incompatNRExt64: UInt32 = 0x20
    /// `features2` bit: directory entries record the file type (v4).
    static let features2FileType: UInt32 = 0x200

    public var blockSize: UInt32
    public var dataBlocks: UInt64
    public var rootInode: UInt64
    public var agBlocks: UInt32
    public var agCount: UInt32
    public var inodeSize: UInt16
    public var inodesPerBlock: UInt16
    public var blockLog: UInt8
    public var inodeLog: UInt8
    public var inodesPerBlockLog: UInt8
    public var agBlockLog: UInt8
    public var dirBlockLog: UInt8
    /// 4 or 5 (the low nibble of `versionnum`).
    public var version: UInt16
    /// Directory entries carry a file-type byte.
    public var hasFileType: Bool
    /// Inodes with the NREXT64 flag keep their extent count in a 64-bit field.
    public var hasLargeExtentCounts: Bool

    /// Version 5 filesystems carry CRCs and self-describing headers in every metadata block.
    public var hasCRC: Bool { version == 5 }
    /// Bytes in one directory block.
    public var directoryBlockSize: UInt32 { blockSize << UInt32(dirBlockLog) }

    /// Parses and checks the superblock at the start of `source`.
    public static func parse(_ source: any ByteSource) throws -> XFSSuperblock {
        let w = try source.window(at: 0, count: 256, what: "XFS superblock")
        guard try w.u32be(0) == magic else {
            throw ImageError.invalid(.badMagic, "XFS superblock magic", at: 0, "is not \"XFSB\"")
        }
        let version = try w.u16be(100) & 0xf
        guard version == 4 || version == 5 else {
            throw ImageError.invalid(.unsupported, "XFS superblock version", at: 100, "is \(version), koopack reads versions 4 and 5")
        }
        let blockSize = try w.u32be(4)
        let blockLog = try w.u8(120)
        guard blockSize >= 512, blockSize <= 65536, blockSize.nonzeroBitCount == 1,
              blockSize == UInt32(1) << UInt32(blockLog) else {
            throw ImageError.invalid(.outOfRange, "XFS block size", at: 4, "\(blockSize) (log \(blockLog)) is not a power of two from 512 to 65536")
        }
        let agBlocks = try w.u32be(84)
        let agCount = try w.u32be(88)
        let agBlockLog = try w.u8(124)
        guard agCount >= 1, agCount <= maxAGCount else {
            throw ImageError.invalid(.outOfRange, "XFS allocation group count", at: 88, "\(agCount) is not between 1 and \(maxAGCount)")
        }
        guard agBlocks >= 1, agBlockLog <= 31, UInt64(agBlocks) <= UInt64(1) << UInt64(agBlockLog),
              agBlockLog == 0 || UInt64(agBlocks) > UInt64(1) << UInt64(agBlockLog - 1) else {
            throw ImageError.invalid(.outOfRange, "XFS allocation group size", at: 84, "\(agBlocks) blocks does not match its log \(agBlockLog)")
        }
        let inodeSize = try w.u16be(104)
        let inodesPerBlock = try w.u16be(106)
        let inodeLog = try w.u8(122)
        let inodesPerBlockLog = try w.u8(123)
        guard inodeSize >= 256, inodeSize <= 2048, inodeSize.nonzeroBitCount == 1,
              UInt32(inodeSize) == UInt32(1) << UInt32(inodeLog), UInt32(inodeSize) <= blockSize else {
            throw ImageError.invalid(.outOfRange, "XFS inode size", at: 104, "\(inodeSize) (log \(inodeLog)) is not a power of two from 256 to 2048 within the block size")
        }
        guard UInt32(inodesPerBlock) == blockSize / UInt32(inodeSize),
              UInt32(inodesPerBlock) == UInt32(1) << UInt32(inodesPerBlockLog) else {
            throw ImageError.invalid(.outOfRange, "XFS inodes per block", at: 106, "\(inodesPerBlock) (log \(inodesPerBlockLog)) does not match block size \(blockSize) / inode size \(inodeSize)")
        }
        guard Int(agBlockLog) + Int(inodesPerBlockLog) + 32 <= 64 else {
            throw ImageError.invalid(.outOfRange, "XFS allocation group size", at: 124, "log \(agBlockLog) plus inodes-per-block log \(inodesPerBlockLog) is more than the 32 bits of a group inode number")
        }
        let dirBlockLog = try w.u8(192)
        guard Int(blockLog) + Int(dirBlockLog) <= 16 else {
            throw ImageError.invalid(.outOfRange, "XFS directory block size", at: 192, "block size \(blockSize) << \(dirBlockLog) is more than 65536")
        }
        let dataBlocks = try w.u64be(8)
        let (agTotal, overflow) = UInt64(agBlocks).multipliedReportingOverflow(by: UInt64(agCount))
        guard !overflow, dataBlocks <= agTotal else {
            throw ImageError.invalid(.outOfRange, "XFS data block count", at: 8, "\(dataBlocks) is more than \(agCount) groups of \(agBlocks) blocks")
        }
        let features2 = try w.u32be(200)
        let incompat = version == 5 ? try w.u32be(216) : 0
        let hasFileType = version == 5 ? incompat & incompatFileType != 0 : features2 & features2FileType != 0
        return XFSSuperblock(
            blockSize: blockSize, dataBlocks: dataBlocks, rootInode: try w.u64be(56), agBlocks: agBlocks,
            agCount: agCount, inodeSize: inodeSize, inodesPerBlock: inodesPerBlock, blockLog: blockLog,
            inodeLog: inodeLog, inodesPerBlockLog: inodesPerBlockLog, agBlockLog: agBlockLog,
            dirBlockLog: dirBlockLog, version: version, hasFileType: hasFileType,
            hasLargeExtentCounts: incompat & incompatNRExt64 != 0)
    }

    /// The byte offset of filesystem block `fsBlock` (allocation group in the high bits, block in
    /// the group in the low `agBlockLog` bits), checking that `count` blocks from there stay inside
    /// their allocation group.
    func byteOffset(ofBlock fsBlock: UInt64, count: UInt64 = 1, what: String) throws -> UInt64 {
        let agNumber = fsBlock >> UInt64(agBlockLog)
        let agBlock = fsBlock & ((UInt64(1) << UInt64(agBlockLog)) - 1)
        let (end, overflow) = agBlock.addingReportingOverflow(count)
        guard agNumber < UInt64(agCount), !overflow, end <= UInt64(agBlocks) else {
            throw ImageError(.outOfRange, "\(what): block \(fsBlock) (group \(agNumber), block \(agBlock), \(count) blocks) lies past the filesystem (\(agCount) groups of \(agBlocks) blocks)")
        }
        // agNumber < 2^20 and agBlocks < 2^32, so the linear block fits in 52 bits; times a
        // block size of at most 2^16 it fits in 68 bits only in theory: check it.
        let linear = agNumber * UInt64(agBlocks) + agBlock
        let (bytes, tooFar) = linear.multipliedReportingOverflow(by: UInt64(blockSize))
        guard !tooFar else { throw ImageError(.outOfRange, "\(what): block \(fsBlock) lies past 2^64 bytes") }
        return bytes
    }
}

/// A read-only XFS filesystem (v4 and v5) on a `ByteSource` (a partition or logical volume).
///
/// Inode numbers are XFS's own: allocation group, block in the group and inode in the block,
/// packed with the superblock's `agblklog` and `inopblog`.
public struct XFSFileSystem: GuestFileSystem {
    /// Largest read served in one `read` call; longer requests return the first `maxRead` bytes.
    public static let maxRead = 64 << 20

    public let source: any ByteSource
    public let superblock: XFSSuperblock
    public var kind: FilesystemKind { .xfs }
    public var rootInode: UInt64 { superblock.rootInode }

    /// Reads and checks the superblock of the XFS filesystem on `source`.
    public init(_ source: any ByteSource) throws {
        self.source = source
        self.superblock = try XFSSuperblock.parse(source)
        _ = try inodeOffset(superblock.rootInode)
    }

    public func inode(_ number: UInt64) throws -> GuestInode {
        let core = try loadInode(number)
        return GuestInode(number: number, type: core.type, size: core.size, permissions: core.mode & 0o7777,
                          uid: core.uid, gid: core.gid)
    }

    public func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry] {
        let core = try loadInode(number)
        guard core.type == .directory else { throw ImageError(.invalid, "XFS inode \(number) is not a directory") }
        return try XFSDirectoryReader(fs: self, inode: core).entries()
    }

    public func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8] {
        let core = try loadInode(number)
        guard core.type == .regular else { throw ImageError(.invalid, "XFS inode \(number) is not a regular file") }
        guard count > 0, offset < core.size else { return [] }
        let length = Int(min(UInt64(min(count, Self.maxRead)), core.size - offset))
        switch core.format {
        case .local:
            return Array(try core.localData().dropFirst(Int(offset)).prefix(length))
        case .extents, .btree:
            return try readMapped(try extents(of: core), at: offset, count: length, inode: number)
        }
    }

    public func symlinkTarget(_ number: UInt64) throws -> String {
        let core = try loadInode(number)
        guard core.type == .symlink else { throw ImageError(.invalid, "XFS inode \(number) is not a symbolic link") }
        guard core.size >= 1, core.size <= UInt64(GuestPaths.maxSymlinkTarget) else {
            throw ImageError(.outOfRange, "XFS symbolic link \(number) has length \(core.size), not 1 to \(GuestPaths.maxSymlinkTarget)")
        }
        let bytes: [UInt8]
        switch core.format {
        case .local: bytes = try core.localData()
        case .extents, .btree: bytes = try remoteSymlink(core)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The byte offset of inode `number`, checking its group and block are inside the filesystem.
    func inodeOffset(_ number: UInt64) throws -> UInt64 {
        let sb = superblock
        let perBlockBits = UInt64(sb.inodesPerBlockLog)
        let agBits = UInt64(sb.agBlockLog) + perBlockBits
        let agNumber = number >> agBits
        let agBlock = (number >> perBlockBits) & ((UInt64(1) << UInt64(sb.agBlockLog)) - 1)
        let index = number & ((UInt64(1) << perBlockBits) - 1)
        guard number != 0, agNumber < UInt64(sb.agCount), agBlock < UInt64(sb.agBlocks) else {
            throw ImageError(.outOfRange, "XFS inode \(number) (group \(agNumber), block \(agBlock)) lies outside the filesystem (\(sb.agCount) groups of \(sb.agBlocks) blocks)")
        }
        let block = try sb.byteOffset(ofBlock: (agNumber << UInt64(sb.agBlockLog)) | agBlock, what: "XFS inode \(number)")
        return block + index * UInt64(sb.inodeSize)
    }
}
