import DiskImage

extension Ext4Superblock {
    /// `needs_recovery` (feature_incompat 0x4): the journal holds transactions to replay.
    static let incompatRecover: UInt32 = 0x4
}

extension Ext4Journal {
    /// One transaction's blocks as the walk finds them.
    private struct Transaction {
        var sequence: UInt32
        /// Filesystem block → its copy in this transaction, in log order.
        var copies: [(block: UInt64, copy: Copy)] = []
        var revoked: [UInt64] = []
    }

    /// The walk of the log, then the map of the newest committed, unrevoked copy of each block.
    func replay() throws -> (copies: [UInt64: Copy], state: Ext4JournalState) {
        var committed: [Transaction] = []
        var current = Transaction(sequence: startSequence)
        var position = start
        var walked: UInt64 = 0
        var logged = 0
        walk: while walked < min(Self.maxBlocksWalked, last - first) {
            let block = try read(position)
            let header = ByteWindow(block)
            guard try header.u32be(0) == Self.magic, try header.u32be(8) == current.sequence else { break }
            switch try header.u32be(4) {
            case Self.descriptorBlock:
                guard tailChecksumMatches(block) else { break walk }
                let tags = try self.tags(block)
                for tag in tags {
                    position = advance(position)
                    walked += 1
                    guard walked < last - first else { break walk }
                    if let expected = tag.checksum {
                        let data = try read(position)
                        guard dataChecksum(data, sequence: current.sequence, bits: tag.checksumBits) == expected else { continue }
                    }
                    current.copies.append((tag.block, Copy(offset: try physical(position) * blockSize, escaped: tag.escaped)))
                }
                logged += tags.count
                guard logged <= Self.maxReplayBlocks else {
                    throw ImageError(.limit, "the journal's log holds more than \(Self.maxReplayBlocks) blocks, more than koopack replays")
                }
            case Self.revokeBlock:
                guard tailChecksumMatches(block) else { break walk }
                current.revoked += try revokedBlocks(block)
            case Self.commitBlock:
                guard !checksummed || commitChecksumMatches(block) else { break walk }
                committed.append(current)
                current = Transaction(sequence: current.sequence &+ 1)
            default:
                break walk
            }
            position = advance(position)
            walked += 1
        }

        // A block revoked by transaction R is not replayed from any transaction up to R.
        var revokedUpTo: [UInt64: UInt32] = [:]
        for transaction in committed {
            for block in transaction.revoked { revokedUpTo[block] = transaction.sequence }
        }
        var copies: [UInt64: Copy] = [:]
        for transaction in committed {
            for (block, copy) in transaction.copies {
                if let revoked = revokedUpTo[block], Int32(bitPattern: revoked &- transaction.sequence) >= 0 { continue }
                copies[block] = copy
            }
        }
        return (copies, .replayed(transactions: committed.count, blocks: copies.count))
    }

    /// The log position after `position`, wrapping from the end of the log to its first block.
    private func advance(_ position: UInt64) -> UInt64 {
        position + 1 >= last ? first : position + 1
    }

    /// The journal block at log position `position`.
    private func read(_ position: UInt64) throws -> [UInt8] {
        try source.readExactly(at: try physical(position) * blockSize, count: Int(blockSize), what: "jbd2 log block \(position)")
    }

    /// One tag of a descriptor block: the filesystem block the next log block belongs to.
    private struct Tag {
        var block: UInt64
        var escaped: Bool
        var checksum: UInt32?
        var checksumBits: Int
    }

    /// The tags of a descriptor block (`journal_block_tag3_t` with checksum v3, else
    /// `journal_block_tag_t` cut to the features in use), each followed by a 16-byte UUID
    /// unless flagged `SAME_UUID`, up to the one flagged `LAST_TAG`.
    private func tags(_ block: [UInt8]) throws -> [Tag] {
        let w = ByteWindow(block)
        let v3 = incompat & Self.incompatChecksumV3 != 0
        let v2 = incompat & Self.incompatChecksumV2 != 0
        let tagBytes = v3 ? 16 : 8 + (is64Bit ? 4 : 0) + (v2 ? 2 : 0)
        let end = block.count - (checksummed ? 4 : 0)
        var tags: [Tag] = []
        var offset = 12
        while offset + tagBytes <= end, tags.count < Self.maxTagsPerDescriptor {
            let low = UInt64(try w.u32be(offset))
            let flags = v3 ? try w.u32be(offset + 4) : UInt32(try w.u16be(offset + 6))
            var number = low
            if is64Bit { number |= UInt64(try w.u32be(offset + 8)) << 32 }
            var checksum: UInt32?
            if v3 { checksum = try w.u32be(offset + 12) } else if v2 { checksum = UInt32(try w.u16be(offset + 4)) }
            tags.append(Tag(block: number, escaped: flags & Self.flagEscape != 0, checksum: checksum, checksumBits: v3 ? 32 : 16))
            offset += tagBytes
            if flags & Self.flagSameUUID == 0 { offset += 16 }
            if flags & Self.flagLastTag != 0 { break }
        }
        return tags
    }

    /// The blocks a revoke block lists: `r_count` bytes (header included) of 4- or 8-byte
    /// block numbers after the 16-byte header.
    private func revokedBlocks(_ block: [UInt8]) throws -> [UInt64] {
        let w = ByteWindow(block)
        let count = Int(try w.u32be(12))
        let size = is64Bit ? 8 : 4
        let end = min(count, block.count - (checksummed ? 4 : 0))
        var blocks: [UInt64] = []
        var offset = 16
        while offset + size <= end {
            blocks.append(is64Bit ? try w.u64be(offset) : UInt64(try w.u32be(offset)))
            offset += size
        }
        return blocks
    }

    /// A descriptor or revoke block's tail checksum (v2/v3): crc32c from the seed over the
    /// block with its last four bytes zeroed. True without checksums.
    private func tailChecksumMatches(_ block: [UInt8]) -> Bool {
        guard checksummed else { return true }
        let tail = block.count - 4
        let stored = (try? ByteWindow(block).u32be(tail)) ?? 0
        var zeroed = block
        for i in tail..<block.count { zeroed[i] = 0 }
        return JBD2Checksum.update(checksumSeed, zeroed) == stored
    }

    /// A commit block's checksum (v2/v3): `h_chksum[0]` at 16, over the block with it zeroed.
    private func commitChecksumMatches(_ block: [UInt8]) -> Bool {
        let stored = (try? ByteWindow(block).u32be(16)) ?? 0
        var zeroed = block
        for i in 16..<20 { zeroed[i] = 0 }
        return JBD2Checksum.update(checksumSeed, zeroed) == stored
    }

    /// A data block's checksum: crc32c from the seed over the transaction's sequence number
    /// (big-endian) and the block as logged; v2 keeps its low 16 bits.
    private func dataChecksum(_ data: [UInt8], sequence: UInt32, bits: Int) -> UInt32 {
        let sequenceBytes = (0..<4).map { UInt8(truncatingIfNeeded: sequence >> (24 - 8 * $0)) }
        let full = JBD2Checksum.update(JBD2Checksum.update(checksumSeed, sequenceBytes), data)
        return bits == 32 ? full : full & 0xFFFF
    }
}

/// crc32c as jbd2 uses it: the raw update, with no inversion before or after (the kernel's
/// `crc32c(crc, data, len)`), seeded by the caller.
enum JBD2Checksum {
    static let table: [UInt32] = (0..<256).map { value -> UInt32 in
        var crc = UInt32(value)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func update<Bytes: Sequence>(_ crc: UInt32, _ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc = crc
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc
    }
}

/// The filesystem's bytes as the guest sees them after journal recovery: reads go to the
/// underlying source, except the blocks the journal replays, which come from their newest
/// committed copy in the log (with the journal magic put back into escaped ones).
struct JournalReplayedByteSource: ByteSource {
    let base: any ByteSource
    let blockSize: UInt64
    let copies: [UInt64: Ext4Journal.Copy]

    var size: UInt64 { base.size }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = try base.read(at: offset, count: count)
        guard !bytes.isEmpty else { return bytes }
        let end = offset + UInt64(bytes.count)
        var block = offset / blockSize
        while block * blockSize < end {
            defer { block += 1 }
            guard let copy = copies[block] else { continue }
            var data = try base.readExactly(at: copy.offset, count: Int(blockSize), what: "jbd2 copy of block \(block)")
            if copy.escaped {
                for i in 0..<4 { data[i] = UInt8(truncatingIfNeeded: Ext4Journal.magic >> (24 - 8 * UInt32(i))) }
            }
            let from = max(block * blockSize, offset)
            let to = min((block + 1) * blockSize, end)
            bytes.replaceSubrange(Int(from - offset)..<Int(to - offset),
                                  with: data[Int(from - block * blockSize)..<Int(to - block * blockSize)])
        }
        return bytes
    }
}
