import DiskImage

/// What koopack did with an ext3/ext4 filesystem's jbd2 journal when it opened the filesystem.
public enum Ext4JournalState: Sendable, Equatable {
    /// The filesystem has no journal (ext2).
    case none
    /// The filesystem was cleanly unmounted (`needs_recovery` not set, or the journal is empty):
    /// there is nothing to replay, and nothing of the journal was read.
    case clean
    /// Committed transactions were replayed in memory: reads see `blocks` filesystem blocks as
    /// the last of `transactions` transactions left them, as the guest would after mounting.
    case replayed(transactions: Int, blocks: Int)
    /// The journal needs recovery but was not replayed (damaged, external, or past koopack's
    /// bounds): reads see the blocks as they are on disk. The reason says why.
    case notReplayed(String)
}

/// The jbd2 journal of an ext3/ext4 filesystem (the journal inode's blocks), read-only: the
/// kernel's recovery done in memory. Its three passes become one walk and one map: the walk
/// follows the log from the journal superblock's `s_start`, transaction by transaction
/// (descriptor blocks with their tags and data blocks, revoke blocks, commit blocks), stopping
/// at the first block that is not the next expected sequence number; a transaction without its
/// commit block is discarded, as the kernel does. The map sends each filesystem block written
/// by a committed transaction, and not revoked by the same or a later one, to its newest copy in
/// the journal. Nothing is ever written.
///
/// Checksums (v2 and v3, crc32c over the journal UUID's seed) are checked on descriptor,
/// revoke and commit blocks (a failure ends the log there) and on each data block (a failing
/// block is not replayed, as the kernel skips it). v1 commit checksums are not checked, and
/// fast-commit blocks (ext4's `fast_commit` feature) are not replayed.
struct Ext4Journal {
    /// `JBD2_MAGIC_NUMBER`.
    static let magic: UInt32 = 0xC03B_3998
    /// Most journal blocks the walk visits: the log is at most the journal's length, and ext4
    /// journals are at most 2^20 blocks of 1 KiB (1 GiB of 4 KiB blocks is 2^18).
    static let maxBlocksWalked: UInt64 = 1 << 20
    /// Most filesystem blocks the replay map holds (its entries are a few dozen bytes each): a
    /// full 1 GiB journal of 4 KiB blocks holds fewer.
    static let maxReplayBlocks = 1 << 18
    /// Most tags read from one descriptor block (a 64 KiB block of 8-byte tags holds 8,190).
    static let maxTagsPerDescriptor = 8192

    // Block types (`h_blocktype`).
    static let descriptorBlock: UInt32 = 1
    static let commitBlock: UInt32 = 2
    static let superblockV1: UInt32 = 3
    static let superblockV2: UInt32 = 4
    static let revokeBlock: UInt32 = 5
    // Incompatible features.
    static let incompatRevoke: UInt32 = 0x1
    static let incompat64Bit: UInt32 = 0x2
    static let incompatAsyncCommit: UInt32 = 0x4
    static let incompatChecksumV2: UInt32 = 0x8
    static let incompatChecksumV3: UInt32 = 0x10
    static let incompatFastCommit: UInt32 = 0x20
    static let knownIncompat: UInt32 = 0x3F
    // Tag flags.
    static let flagEscape: UInt32 = 0x1
    static let flagSameUUID: UInt32 = 0x2
    static let flagLastTag: UInt32 = 0x8
    /// Fast-commit blocks at the journal's end when `s_num_fc_blks` is 0.
    static let defaultFastCommitBlocks: UInt64 = 256

    /// The journal superblock's facts the walk needs.
    let blockSize: UInt64
    /// Log blocks are `first ..< last` (the journal's length, less any fast-commit area).
    let first: UInt64
    let last: UInt64
    let startSequence: UInt32
    let start: UInt64
    let incompat: UInt32
    /// crc32c of the journal UUID, the seed of every v2/v3 checksum.
    let checksumSeed: UInt32
    /// Maps a journal (logical) block to its filesystem (physical) block.
    let physical: (UInt64) throws -> UInt64
    let source: any ByteSource

    var checksummed: Bool { incompat & (Self.incompatChecksumV2 | Self.incompatChecksumV3) != 0 }
    var is64Bit: Bool { incompat & Self.incompat64Bit != 0 }

    /// One committed copy of a filesystem block in the log.
    struct Copy: Sendable {
        /// Where the copy is, in bytes from the start of the filesystem.
        var offset: UInt64
        /// Whether its first four bytes held the journal magic and were zeroed when written.
        var escaped: Bool
    }

    /// Replays the journal of `fs` (opened without replay): the copies that the guest would see,
    /// by filesystem block, and what was done.
    static func replay(_ fs: Ext4FileSystem) -> (copies: [UInt64: Copy], state: Ext4JournalState) {
        let sb = fs.superblock
        guard sb.featureCompat & Ext4Superblock.compatHasJournal != 0 else { return ([:], .none) }
        guard sb.has(incompat: Ext4Superblock.incompatRecover) else { return ([:], .clean) }
        do {
            guard let journal = try open(fs) else { return ([:], .clean) }
            return try journal.replay()
        } catch let error as ImageError {
            return ([:], .notReplayed(error.message))
        } catch {
            return ([:], .notReplayed("\(error)"))
        }
    }

    /// Reads the journal superblock; nil when the log is empty (`s_start` 0).
    static func open(_ fs: Ext4FileSystem) throws -> Ext4Journal? {
        let sb = fs.superblock
        let field = try fs.source.window(at: Ext4Superblock.offset + 0xE0, count: 4, what: "ext4 s_journal_inum")
        let inodeNumber = UInt64(try field.u32le(0))
        guard inodeNumber != 0 else {
            throw ImageError(.invalid, "the journal is on another device (s_journal_inum is 0); it cannot be replayed")
        }
        let inode = try fs.rawInode(inodeNumber)
        let blocks = inode.size / sb.blockSize
        guard blocks >= 2 else { throw ImageError(.invalid, "journal inode \(inodeNumber) holds \(inode.size) bytes, too few for a journal") }
        // Each journal block is mapped when the walk reaches it (a handful of cached metadata
        // reads), never the whole journal at once: an ext3 journal maps block by block.
        let physical: (UInt64) throws -> UInt64 = { logical in
            guard logical < blocks, let run = try fs.blockRuns(of: inode, from: logical, to: logical + 1).first,
                  run.logical <= logical, logical < run.logical + run.count, let start = run.physical else {
                throw ImageError(.invalid, "journal block \(logical) is not mapped by journal inode \(inodeNumber)")
            }
            let block = start + (logical - run.logical)
            guard block < sb.blocksCount else {
                throw ImageError(.outOfRange, "journal block \(logical) maps to block \(block), past the filesystem's end")
            }
            return block
        }
        let head = try fs.source.window(at: try physical(0) * sb.blockSize, count: 1024, what: "jbd2 superblock")
        guard try head.u32be(0) == magic else {
            throw ImageError.invalid(.badMagic, "jbd2 superblock magic", at: head.base, "0x\(String(try head.u32be(0), radix: 16)) is not 0xc03b3998")
        }
        let type = try head.u32be(4)
        guard type == superblockV1 || type == superblockV2 else {
            throw ImageError.invalid(.invalid, "jbd2 superblock block type", at: head.base + 4, "\(type) is not 3 or 4")
        }
        let blockSize = UInt64(try head.u32be(0xC))
        guard blockSize == sb.blockSize else {
            throw ImageError.invalid(.invalid, "jbd2 s_blocksize", at: head.base + 0xC, "\(blockSize) differs from the filesystem's \(sb.blockSize)")
        }
        let maxLength = UInt64(try head.u32be(0x10))
        let first = UInt64(try head.u32be(0x14))
        let start = UInt64(try head.u32be(0x1C))
        guard start != 0 else { return nil }
        let incompat = type == superblockV2 ? try head.u32be(0x28) : 0
        guard incompat & ~knownIncompat == 0 else {
            throw ImageError.invalid(.invalid, "jbd2 s_feature_incompat", at: head.base + 0x28, "0x\(String(incompat, radix: 16)) has features koopack does not know")
        }
        var last = min(maxLength, blocks)
        if incompat & incompatFastCommit != 0 {
            let fastCommit = UInt64(try head.u32be(0x54))
            last -= min(last, fastCommit == 0 ? defaultFastCommitBlocks : fastCommit)
        }
        guard first >= 1, first < last, start >= first, start < last else {
            throw ImageError.invalid(.invalid, "jbd2 log", at: head.base + 0x14, "first block \(first), start \(start) and end \(last) do not make a log")
        }
        var seed: UInt32 = 0
        if incompat & (incompatChecksumV2 | incompatChecksumV3) != 0 {
            let stored = try head.u32be(0xFC)
            var zeroed = head.bytes
            for i in 0xFC..<0x100 { zeroed[i] = 0 }
            let computed = JBD2Checksum.update(0xFFFF_FFFF, zeroed)
            guard computed == stored else {
                throw ImageError.invalid(.checksum, "jbd2 superblock checksum", at: head.base + 0xFC,
                                         "stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))")
            }
            seed = JBD2Checksum.update(0xFFFF_FFFF, try head.slice(0x30, 16))
        }
        return Ext4Journal(blockSize: blockSize, first: first, last: last, startSequence: try head.u32be(0x18), start: start,
                           incompat: incompat, checksumSeed: seed, physical: physical, source: fs.source)
    }
}
