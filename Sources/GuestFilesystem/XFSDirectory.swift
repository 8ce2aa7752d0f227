import DiskImage

/// Reads the entries of one XFS directory in any of its forms: short-form (in the inode), block
/// (one directory block with its leaf at the end), and leaf or node (data blocks below the 32 GiB
/// leaf offset of the directory's data fork, read in order; the hash index above it is not needed
/// to list the directory).
struct XFSDirectoryReader {
    /// Most directory blocks read for one directory (1 GiB of 4 KiB blocks): a damaged extent
    /// list cannot make koopack read the whole disk as a directory.
    static let maxDirectoryBlocks = 1 << 18
    /// The byte offset where a directory's leaf (hash index) blocks begin.
    static let leafOffset: UInt64 = 32 << 30

    let fs: XFSFileSystem
    let inode: XFSInodeCore

    private var sb: XFSSuperblock { fs.superblock }

    /// Every entry but `.` and `..`, capped at `GuestPaths.maxDirectoryEntries`.
    func entries() throws -> [GuestDirectoryEntry] {
        switch inode.format {
        case .local: return try shortForm()
        case .extents, .btree:
            let extents = try fs.extents(of: inode)
            let dirBlockSize = UInt64(sb.directoryBlockSize)
            if inode.size == dirBlockSize {
                let bytes = try fs.readMapped(extents, at: 0, count: Int(dirBlockSize), inode: inode.number)
                var result: [GuestDirectoryEntry] = []
                try parseDataBlock(bytes, index: 0, isBlockForm: true, into: &result)
                return result
            }
            return try leafForm(extents)
        }
    }

    /// A short-form directory: a header (entry count, count of 8-byte inode numbers, parent) and
    /// packed entries (name length, offset tag, name, optional file type, inode number).
    private func shortForm() throws -> [GuestDirectoryEntry] {
        let w = ByteWindow(try inode.localData(), at: inode.fork.base)
        let count = Int(try w.u8(0))
        let wide = try w.u8(1) != 0
        let numberSize = wide ? 8 : 4
        var position = 2 + numberSize
        var result: [GuestDirectoryEntry] = []
        for _ in 0..<count {
            let nameLength = Int(try w.u8(position))
            guard nameLength >= 1 else {
                throw ImageError.invalid(.outOfRange, "XFS short-form directory \(inode.number) entry name length", at: w.base + UInt64(position), "is 0")
            }
            let name = try w.slice(position + 3, nameLength)
            var next = position + 3 + nameLength
            var type: GuestFileType? = nil
            if sb.hasFileType {
                type = Self.fileType(try w.u8(next))
                next += 1
            }
            let number = wide ? try w.u64be(next) : UInt64(try w.u32be(next))
            result.append(GuestDirectoryEntry(name: String(decoding: name, as: UTF8.self), inode: number, type: type))
            position = next + numberSize
        }
        return result
    }

    /// Leaf and node directories: every directory block mapped below the leaf offset, in order.
    private func leafForm(_ extents: [XFSExtent]) throws -> [GuestDirectoryEntry] {
        let perDirBlock = UInt64(1) << UInt64(sb.dirBlockLog)
        let leafBlock = Self.leafOffset >> UInt64(sb.blockLog)
        var indexes: [UInt64] = []
        for extent in extents where extent.fileBlock < leafBlock {
            let last = min(extent.fileBlock + extent.blockCount, leafBlock)
            var index = extent.fileBlock / perDirBlock
            while index * perDirBlock < last {
                if indexes.last != index {
                    guard indexes.count < Self.maxDirectoryBlocks else {
                        throw ImageError(.limit, "XFS directory \(inode.number) has more than \(Self.maxDirectoryBlocks) data blocks")
                    }
                    indexes.append(index)
                }
                index += 1
            }
        }
        var result: [GuestDirectoryEntry] = []
        let size = Int(sb.directoryBlockSize)
        for index in indexes {
            let bytes = try fs.readMapped(extents, at: index * UInt64(size), count: size, inode: inode.number)
            try parseDataBlock(bytes, index: index, isBlockForm: false, into: &result)
        }
        return result
    }

    /// The entries of one directory data block (`XD2D`/`XDD3`) or single-block directory
    /// (`XD2B`/`XDB3`, whose leaf entries and tail fill the end of the block).
    private func parseDataBlock(_ bytes: [UInt8], index: UInt64, isBlockForm: Bool,
                                into result: inout [GuestDirectoryEntry]) throws {
        let w = ByteWindow(bytes)
        let what = "XFS directory \(inode.number) block \(index)"
        let magic = try w.u32be(0)
        let expected: UInt32 = switch (isBlockForm, sb.hasCRC) {
        case (true, true): 0x5844_4233    // XDB3
        case (true, false): 0x5844_3242   // XD2B
        case (false, true): 0x5844_4433   // XDD3
        case (false, false): 0x5844_3244  // XD2D
        }
        guard magic == expected else { throw ImageError(.badMagic, "\(what): bad magic \(String(magic, radix: 16))") }
        let header = sb.hasCRC ? 64 : 16
        var end = bytes.count
        if isBlockForm {
            let leafCount = Int(try w.u32be(bytes.count - 8))
            guard leafCount <= (bytes.count - header - 8) / 8 else {
                throw ImageError(.outOfRange, "\(what): leaf count \(leafCount) does not fit in the block")
            }
            end = bytes.count - 8 - leafCount * 8
        }
        var position = header
        while position < end {
            if try w.u16be(position) == 0xffff {
                let length = Int(try w.u16be(position + 2))
                guard length >= 8, length % 8 == 0, length <= end - position else {
                    throw ImageError(.outOfRange, "\(what): unused entry at \(position) has impossible length \(length)")
                }
                position += length
                continue
            }
            let number = try w.u64be(position)
            let nameLength = Int(try w.u8(position + 8))
            let typeBytes = sb.hasFileType ? 1 : 0
            let entrySize = (8 + 1 + nameLength + typeBytes + 2 + 7) & ~7
            guard nameLength >= 1, entrySize <= end - position else {
                throw ImageError(.outOfRange, "\(what): entry at \(position) has impossible name length \(nameLength)")
            }
            let name = try w.slice(position + 9, nameLength)
            let isDot = name.elementsEqual([0x2e]) || name.elementsEqual([0x2e, 0x2e])
            if !isDot {
                guard result.count < GuestPaths.maxDirectoryEntries else {
                    throw ImageError(.limit, "XFS directory \(inode.number) has more than \(GuestPaths.maxDirectoryEntries) entries")
                }
                let type = sb.hasFileType ? Self.fileType(try w.u8(position + 9 + nameLength)) : nil
                result.append(GuestDirectoryEntry(name: String(decoding: name, as: UTF8.self), inode: number, type: type))
            }
            position += entrySize
        }
    }

    /// The file type an XFS directory entry records (`XFS_DIR3_FT_*`).
    static func fileType(_ code: UInt8) -> GuestFileType? {
        GuestFileType(directoryEntryCode: code)
    }
}
