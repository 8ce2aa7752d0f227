import DiskImage

/// The facts of an ext2/ext3/ext4 superblock (1024 bytes at byte 1024 of the filesystem) that
/// koopack needs to find inodes and blocks, and that it reports (label, UUID, features).
public struct Ext4Superblock: Sendable {
    /// Where the superblock starts inside the filesystem.
    public static let offset: UInt64 = 1024
    /// The bytes of the superblock koopack reads.
    public static let length = 1024
    /// `s_magic`.
    public static let magic: UInt16 = 0xEF53
    /// Largest block size accepted: ext4 allows 64 KiB; anything larger is damage, and would make
    /// every block read an absurd allocation.
    public static let maxBlockSize: UInt64 = 64 << 10
    /// Largest `s_log_block_size` accepted (1024 << 6 = 64 KiB).
    public static let maxLogBlockSize: UInt32 = 6

    /// `s_inodes_count`: inodes are numbered 1 to this.
    public var inodesCount: UInt32
    /// `s_blocks_count` (lo, and hi with the 64bit feature).
    public var blocksCount: UInt64
    /// `s_first_data_block`: 1 with 1 KiB blocks (the superblock's block), else 0.
    public var firstDataBlock: UInt32
    /// 1024 << `s_log_block_size`, at most 64 KiB.
    public var blockSize: UInt64
    /// `s_blocks_per_group`.
    public var blocksPerGroup: UInt32
    /// `s_inodes_per_group`.
    public var inodesPerGroup: UInt32
    /// `s_rev_level`: 0 for the original fixed layout (128-byte inodes, no features).
    public var revision: UInt32
    /// `s_inode_size` (128 for revision 0): the stride of the inode tables.
    public var inodeSize: UInt32
    /// The size of one group descriptor: `s_desc_size` with the 64bit feature, else 32.
    public var descriptorSize: UInt32
    /// `s_feature_compat`: features a reader may ignore.
    public var featureCompat: UInt32
    /// `s_feature_incompat`: features that change the layout a reader must understand.
    public var featureIncompat: UInt32
    /// `s_feature_ro_compat`: features a read-only reader may ignore.
    public var featureRoCompat: UInt32
    /// `s_first_meta_bg`: the first descriptor block laid out the meta_bg way.
    public var firstMetaBlockGroup: UInt32
    /// `s_backup_bgs`: the two groups holding backups with sparse_super2.
    public var backupGroups: (UInt32, UInt32)
    /// `s_volume_name`.
    public var label: String
    /// `s_uuid`, as lower-case 8-4-4-4-12 text.
    public var uuid: String
    /// The number of block groups.
    public var groupCount: UInt64

    // feature_compat
    public static let compatHasJournal: UInt32 = 0x4
    public static let compatSparseSuper2: UInt32 = 0x200
    // feature_incompat
    public static let incompatCompression: UInt32 = 0x1
    public static let incompatFiletype: UInt32 = 0x2
    public static let incompatJournalDevice: UInt32 = 0x8
    public static let incompatMetaBG: UInt32 = 0x10
    public static let incompatExtents: UInt32 = 0x40
    public static let incompat64Bit: UInt32 = 0x80
    public static let incompatDirData: UInt32 = 0x1000
    public static let incompatInlineData: UInt32 = 0x8000
    // feature_ro_compat
    public static let roCompatSparseSuper: UInt32 = 0x1

    /// Feature names as `mke2fs`/`dumpe2fs` spell them, by bit.
    static let compatNames: [(UInt32, String)] = [
        (0x1, "dir_prealloc"), (0x2, "imagic_inodes"), (0x4, "has_journal"), (0x8, "ext_attr"),
        (0x10, "resize_inode"), (0x20, "dir_index"), (0x40, "lazy_bg"), (0x80, "exclude_inode"),
        (0x100, "exclude_bitmap"), (0x200, "sparse_super2"), (0x400, "fast_commit"),
        (0x800, "stable_inodes"), (0x1000, "orphan_file"),
    ]
    static let incompatNames: [(UInt32, String)] = [
        (0x1, "compression"), (0x2, "filetype"), (0x4, "needs_recovery"), (0x8, "journal_dev"),
        (0x10, "meta_bg"), (0x40, "extent"), (0x80, "64bit"), (0x100, "mmp"), (0x200, "flex_bg"),
        (0x400, "ea_inode"), (0x1000, "dirdata"), (0x2000, "metadata_csum_seed"),
        (0x4000, "large_dir"), (0x8000, "inline_data"), (0x10000, "encrypt"), (0x20000, "casefold"),
    ]
    static let roCompatNames: [(UInt32, String)] = [
        (0x1, "sparse_super"), (0x2, "large_file"), (0x4, "btree_dir"), (0x8, "huge_file"),
        (0x10, "uninit_bg"), (0x20, "dir_nlink"), (0x40, "extra_isize"), (0x80, "snapshot"),
        (0x100, "quota"), (0x200, "bigalloc"), (0x400, "metadata_csum"), (0x800, "replica"),
        (0x1000, "read-only"), (0x2000, "project"), (0x4000, "shared_blocks"), (0x8000, "verity"),
        (0x10000, "orphan_present"),
    ]

    /// The names of every feature flag set, compat then incompat then ro_compat; unknown bits
    /// appear as `FEATURE_C12`-style names, as `dumpe2fs` prints them.
    public var features: [String] {
        func names(_ bits: UInt32, _ table: [(UInt32, String)], _ letter: String) -> [String] {
            (0..<32).compactMap { bit -> String? in
                let mask = UInt32(1) << UInt32(bit)
                guard bits & mask != 0 else { return nil }
                return table.first(where: { $0.0 == mask })?.1 ?? "FEATURE_\(letter)\(bit)"
            }
        }
        return names(featureCompat, Self.compatNames, "C") + names(featureIncompat, Self.incompatNames, "I")
            + names(featureRoCompat, Self.roCompatNames, "R")
    }

    /// Whether a feature_incompat bit is set.
    public func has(incompat bit: UInt32) -> Bool { featureIncompat & bit != 0 }

    /// Parses the superblock at byte 1024 of `source` and checks every number later reads rely on.
    public static func read(from source: any ByteSource) throws -> Ext4Superblock {
        let w = try source.window(at: offset, count: length, what: "ext4 superblock")
        let at = { (field: Int) in offset + UInt64(field) }
        let magicValue = try w.u16le(0x38)
        guard magicValue == magic else {
            throw ImageError.invalid(.badMagic, "ext4 superblock magic", at: at(0x38),
                                     "0x\(String(magicValue, radix: 16)) is not 0xef53")
        }
        let logBlockSize = try w.u32le(0x18)
        guard logBlockSize <= maxLogBlockSize else {
            throw ImageError.invalid(.outOfRange, "ext4 s_log_block_size", at: at(0x18),
                                     "\(logBlockSize) gives a block size above the 64 KiB ext4 allows")
        }
        let blockSize = UInt64(1024) << UInt64(logBlockSize)
        let inodesCount = try w.u32le(0x0)
        guard inodesCount > 0 else {
            throw ImageError.invalid(.outOfRange, "ext4 s_inodes_count", at: at(0x0), "the filesystem has no inodes")
        }
        let revision = try w.u32le(0x4C)
        let featureCompat = revision >= 1 ? try w.u32le(0x5C) : 0
        let featureIncompat = revision >= 1 ? try w.u32le(0x60) : 0
        let featureRoCompat = revision >= 1 ? try w.u32le(0x64) : 0
        let is64 = featureIncompat & incompat64Bit != 0
        var blocksCount = UInt64(try w.u32le(0x4))
        if is64 { blocksCount |= UInt64(try w.u32le(0x150)) << 32 }
        let firstDataBlock = try w.u32le(0x14)
        guard UInt64(firstDataBlock) < blocksCount else {
            throw ImageError.invalid(.outOfRange, "ext4 s_first_data_block", at: at(0x14),
                                     "\(firstDataBlock) is not below the block count \(blocksCount)")
        }
        guard !blocksCount.multipliedReportingOverflow(by: blockSize).overflow else {
            throw ImageError.invalid(.outOfRange, "ext4 s_blocks_count", at: at(0x4),
                                     "\(blocksCount) blocks of \(blockSize) bytes overflow a 64-bit size")
        }
        let blocksPerGroup = try w.u32le(0x20)
        guard blocksPerGroup > 0 else {
            throw ImageError.invalid(.outOfRange, "ext4 s_blocks_per_group", at: at(0x20), "is 0")
        }
        let inodesPerGroup = try w.u32le(0x28)
        guard inodesPerGroup > 0, UInt64(inodesPerGroup) <= blockSize * 8 else {
            throw ImageError.invalid(.outOfRange, "ext4 s_inodes_per_group", at: at(0x28),
                                     "\(inodesPerGroup) does not fit one inode bitmap block of \(blockSize) bytes")
        }
        var inodeSize: UInt32 = 128
        if revision >= 1 {
            inodeSize = UInt32(try w.u16le(0x58))
            guard inodeSize >= 128, UInt64(inodeSize) <= blockSize, inodeSize & (inodeSize - 1) == 0 else {
                throw ImageError.invalid(.outOfRange, "ext4 s_inode_size", at: at(0x58),
                                         "\(inodeSize) is not a power of two from 128 to the block size \(blockSize)")
            }
        }
        var descriptorSize: UInt32 = 32
        if is64 {
            descriptorSize = UInt32(try w.u16le(0xFE))
            guard descriptorSize >= 32, descriptorSize <= 1024, descriptorSize & (descriptorSize - 1) == 0 else {
                throw ImageError.invalid(.outOfRange, "ext4 s_desc_size", at: at(0xFE),
                                         "\(descriptorSize) is not a power of two from 32 to 1024")
            }
        }
        let groupCount = (blocksCount - UInt64(firstDataBlock) + UInt64(blocksPerGroup) - 1) / UInt64(blocksPerGroup)
        let (inodeCapacity, overflow) = groupCount.multipliedReportingOverflow(by: UInt64(inodesPerGroup))
        guard overflow || inodeCapacity >= UInt64(inodesCount) else {
            throw ImageError.invalid(.outOfRange, "ext4 s_inodes_count", at: at(0x0),
                                     "\(inodesCount) inodes do not fit \(groupCount) groups of \(inodesPerGroup)")
        }
        return Ext4Superblock(
            inodesCount: inodesCount, blocksCount: blocksCount, firstDataBlock: firstDataBlock,
            blockSize: blockSize, blocksPerGroup: blocksPerGroup, inodesPerGroup: inodesPerGroup,
            revision: revision, inodeSize: inodeSize, descriptorSize: descriptorSize,
            featureCompat: featureCompat, featureIncompat: featureIncompat, featureRoCompat: featureRoCompat,
            firstMetaBlockGroup: revision >= 1 ? try w.u32le(0x104) : 0,
            backupGroups: (try w.u32le(0x24C), try w.u32le(0x250)),
            label: try w.cString(0x78, 16), uuid: try w.uuidBigEndian(0x68), groupCount: groupCount)
    }

    /// Whether group `group` holds a superblock backup (and so its descriptor block moves one
    /// block on, with meta_bg).
    func groupHasSuperblock(_ group: UInt64) -> Bool {
        if group == 0 { return true }
        if featureCompat & Self.compatSparseSuper2 != 0 {
            return group == UInt64(backupGroups.0) || group == UInt64(backupGroups.1)
        }
        if group <= 1 || featureRoCompat & Self.roCompatSparseSuper == 0 { return true }
        if group & 1 == 0 { return false }
        for base: UInt64 in [3, 5, 7] {
            var power = base
            while power < group {
                let (next, overflow) = power.multipliedReportingOverflow(by: base)
                if overflow { break }
                power = next
            }
            if power == group { return true }
        }
        return false
    }
}

/// A read-only ext2, ext3 or ext4 filesystem read straight from its bytes (a partition of a guest
/// disk): inodes, directories, files and symlinks, for koopack's scan of a guest image.
public struct Ext4FileSystem: GuestFileSystem {
    /// Most metadata blocks (extent nodes, indirect blocks, descriptor blocks) kept in memory.
    static let metadataCacheBlocks = 256

    public let source: any ByteSource
    public let superblock: Ext4Superblock
    let metadata: TableCache<UInt64, ByteWindow>
    /// What was done with the journal on opening: reads see committed transactions replayed.
    public let journal: Ext4JournalState

    /// `ext4`, `ext3` or `ext2`, as `blkid` names it: ext4 when it uses a feature ext3 lacks,
    /// ext3 when it has a journal, else ext2.
    public var kind: FilesystemKind {
        let ext3Incompat: UInt32 = 0x2 | 0x4 | 0x10  // filetype, needs_recovery, meta_bg
        let ext3RoCompat: UInt32 = 0x1 | 0x2 | 0x4  // sparse_super, large_file, btree_dir
        if superblock.featureIncompat & ~ext3Incompat != 0 || superblock.featureRoCompat & ~ext3RoCompat != 0 {
            return .ext4
        }
        return superblock.featureCompat & Ext4Superblock.compatHasJournal != 0 ? .ext3 : .ext2
    }

    /// Inode 2 is always the root directory.
    public var rootInode: UInt64 { 2 }

    /// Opens the filesystem in `source` (the partition's bytes), reading only its superblock.
    /// Throws `ImageError` when it is not ext2/3/4 or uses a feature that changes the layout
    /// koopack reads (compression, dirdata, an external journal device).
    public init(_ source: any ByteSource) throws {
        let superblock = try Ext4Superblock.read(from: source)
        let unreadable: [(UInt32, String)] = [
            (Ext4Superblock.incompatCompression, "compression"),
            (Ext4Superblock.incompatDirData, "dirdata"),
            (Ext4Superblock.incompatJournalDevice, "journal_dev (an external journal, not a filesystem)"),
        ]
        for (bit, name) in unreadable where superblock.has(incompat: bit) {
            throw ImageError.invalid(.unsupported, "ext4 s_feature_incompat", at: Ext4Superblock.offset + 0x60,
                                     "feature \(name) is not supported")
        }
        // Replay the journal's committed transactions in memory (Ext4Journal), so that reads
        // see what the guest would after mounting; the superblock is read again through them.
        let (copies, journal) = Ext4Journal.replay(Ext4FileSystem(onDisk: source, superblock: superblock))
        let replayed = copies.isEmpty ? source : JournalReplayedByteSource(base: source, blockSize: superblock.blockSize, copies: copies)
        self.source = replayed
        self.superblock = copies.isEmpty ? superblock : (try? Ext4Superblock.read(from: replayed)) ?? superblock
        self.metadata = TableCache(capacity: Self.metadataCacheBlocks)
        self.journal = journal
    }

    /// The filesystem as it is on disk, without journal replay: what the replay reads the
    /// journal through.
    init(onDisk source: any ByteSource, superblock: Ext4Superblock) {
        self.source = source
        self.superblock = superblock
        self.metadata = TableCache(capacity: Self.metadataCacheBlocks)
        self.journal = .none
    }

    /// The byte offset of block `block`, after checking it lies inside the filesystem.
    func blockOffset(_ block: UInt64, what: @autoclosure () -> String) throws -> UInt64 {
        guard block < superblock.blocksCount else {
            throw ImageError(.outOfRange, "\(what()): block \(block) lies past the end of the filesystem (\(superblock.blocksCount) blocks)")
        }
        return block * superblock.blockSize
    }

    /// One whole metadata block, cached.
    func metadataBlock(_ block: UInt64, what: @autoclosure () -> String) throws -> ByteWindow {
        let offset = try blockOffset(block, what: what())
        return try metadata.value(for: block) {
            try source.window(at: offset, count: Int(superblock.blockSize), what: what())
        }
    }

    /// The block holding group `group`'s descriptors, the classic way (right after the
    /// superblock) or the meta_bg way (in the first group of each meta group).
    func descriptorBlock(forGroup group: UInt64) throws -> (block: UInt64, index: UInt64) {
        let perBlock = superblock.blockSize / UInt64(superblock.descriptorSize)
        let descriptorBlockIndex = group / perBlock
        let index = group % perBlock
        let first = UInt64(superblock.firstDataBlock)
        if !superblock.has(incompat: Ext4Superblock.incompatMetaBG)
            || descriptorBlockIndex < UInt64(superblock.firstMetaBlockGroup) {
            return (first + 1 + descriptorBlockIndex, index)
        }
        let (metaGroupFirst, overflow) = descriptorBlockIndex.multipliedReportingOverflow(by: perBlock)
        guard !overflow else { throw ImageError(.outOfRange, "ext4 group \(group): meta_bg descriptor location overflows") }
        let (groupStart, overflow2) = metaGroupFirst.multipliedReportingOverflow(by: UInt64(superblock.blocksPerGroup))
        guard !overflow2 else { throw ImageError(.outOfRange, "ext4 group \(group): meta_bg descriptor location overflows") }
        let block = first + groupStart + (superblock.groupHasSuperblock(metaGroupFirst) ? 1 : 0)
        return (block, index)
    }

    /// The first block of group `group`'s inode table.
    func inodeTableBlock(group: UInt64) throws -> UInt64 {
        guard group < superblock.groupCount else {
            throw ImageError(.outOfRange, "ext4 group \(group) is past the last group (\(superblock.groupCount) groups)")
        }
        let (block, index) = try descriptorBlock(forGroup: group)
        let what = "ext4 group descriptor \(group)"
        let window = try metadataBlock(block, what: what)
        let base = Int(index) * Int(superblock.descriptorSize)
        var table = UInt64(try window.u32le(base + 0x8))
        if superblock.descriptorSize >= 64 { table |= UInt64(try window.u32le(base + 0x28)) << 32 }
        let inodesBytes = UInt64(superblock.inodesPerGroup) * UInt64(superblock.inodeSize)
        let tableBlocks = (inodesBytes + superblock.blockSize - 1) / superblock.blockSize
        let (end, overflow) = table.addingReportingOverflow(tableBlocks)
        guard table > UInt64(superblock.firstDataBlock), !overflow, end <= superblock.blocksCount else {
            throw ImageError.invalid(.outOfRange, "\(what) bg_inode_table", at: window.base + UInt64(base + 0x8),
                                     "inode table at block \(table) (\(tableBlocks) blocks) lies outside the filesystem (\(superblock.blocksCount) blocks)")
        }
        return table
    }
}
