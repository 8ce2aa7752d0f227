import DiskImage

extension Ext4FileSystem {
    /// Largest directory read: a damaged `i_size` cannot make koopack read gigabytes as a
    /// directory. 256 MiB holds millions of entries, more than `GuestPaths.maxDirectoryEntries`.
    static let maxDirectoryBytes: UInt64 = 256 << 20
    /// Directory blocks read per request, so a large directory is read in bounded pieces.
    static let directoryBlocksPerRead: UInt64 = 64

    /// Every entry of directory `number` except `.` and `..`, read linearly block by block.
    /// Hashed (dir_index/htree) directories read the same way: their index blocks look like
    /// empty entries and are skipped. Throws when an entry's lengths are impossible.
    public func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry] {
        let node = try rawInode(number)
        guard node.type == .directory else {
            throw ImageError(.invalid, "ext4 inode \(number) is not a directory")
        }
        guard node.size <= Self.maxDirectoryBytes else {
            throw ImageError(.limit, "ext4 directory inode \(number) is \(node.size) bytes, more than the \(Self.maxDirectoryBytes) koopack reads")
        }
        var entries: [GuestDirectoryEntry] = []
        if node.has(Ext4Inode.inlineDataFlag) {
            // i_block: the parent's inode number, then entries; then more entries in system.data.
            let data = try inlineData(node)
            let inBlock = min(Ext4Inode.blockArea, Int(node.size))
            if inBlock > 4 {
                try parseDirectoryBlock(data[4..<inBlock], directory: number, at: 4, into: &entries)
            }
            if data.count > Ext4Inode.blockArea {
                try parseDirectoryBlock(data[Ext4Inode.blockArea...], directory: number,
                                        at: UInt64(Ext4Inode.blockArea), into: &entries)
            }
            return entries
        }
        let blockSize = superblock.blockSize
        let blocks = node.size / blockSize
        var block: UInt64 = 0
        while block < blocks && entries.count < GuestPaths.maxDirectoryEntries {
            let chunk = min(Self.directoryBlocksPerRead, blocks - block)
            let bytes = try readData(node, at: block * blockSize, count: Int(chunk * blockSize))
            guard UInt64(bytes.count) == chunk * blockSize else {
                throw ImageError(.truncated, "ext4 directory inode \(number): short read at byte \(block * blockSize)")
            }
            for i in 0..<Int(chunk) {
                let start = i * Int(blockSize)
                try parseDirectoryBlock(bytes[start..<(start + Int(blockSize))], directory: number,
                                        at: (block + UInt64(i)) * blockSize, into: &entries)
            }
            block += chunk
        }
        if entries.count > GuestPaths.maxDirectoryEntries {
            entries.removeLast(entries.count - GuestPaths.maxDirectoryEntries)
        }
        return entries
    }

    /// Appends the live entries of one directory block (`bytes`, which starts at byte `start`
    /// of the directory) to `entries`, checking each entry's record and name lengths.
    private func parseDirectoryBlock(_ bytes: ArraySlice<UInt8>, directory: UInt64, at start: UInt64,
                                     into entries: inout [GuestDirectoryEntry]) throws {
        let w = ByteWindow(Array(bytes), at: start)
        let hasFiletype = superblock.has(incompat: Ext4Superblock.incompatFiletype)
        var o = 0
        while o < w.count {
            let where_ = "ext4 directory inode \(directory): entry at byte \(start + UInt64(o))"
            guard w.count - o >= 8 else {
                throw ImageError(.outOfRange, "\(where_): \(w.count - o) bytes left, too few for an entry header")
            }
            let inode = try w.u32le(o)
            var recordLength = Int(try w.u16le(o + 4))
            if superblock.blockSize == 65536 && (recordLength == 0 || recordLength == 65535) { recordLength = 65536 }
            let nameLength = hasFiletype ? Int(try w.u8(o + 6)) : Int(try w.u16le(o + 6))
            guard recordLength >= 8, recordLength % 4 == 0 else {
                throw ImageError(.outOfRange, "\(where_): record length \(recordLength) is not a multiple of 4 of at least 8")
            }
            guard recordLength <= w.count - o else {
                throw ImageError(.outOfRange, "\(where_): record length \(recordLength) runs past the end of its block (\(w.count - o) bytes left)")
            }
            guard nameLength <= recordLength - 8 else {
                throw ImageError(.outOfRange, "\(where_): name length \(nameLength) does not fit its record length \(recordLength)")
            }
            if inode != 0 && nameLength > 0 {
                let nameBytes = try w.slice(o + 8, nameLength)
                let isDot = nameBytes.elementsEqual([0x2E]) || nameBytes.elementsEqual([0x2E, 0x2E])
                if !isDot {
                    let type = hasFiletype ? Self.directoryEntryType(try w.u8(o + 7)) : nil
                    entries.append(GuestDirectoryEntry(name: String(decoding: nameBytes, as: UTF8.self),
                                                       inode: UInt64(inode), type: type))
                }
            }
            o += recordLength
        }
    }

    /// The file type a directory entry records (`EXT4_FT_*`), nil when unknown.
    static func directoryEntryType(_ code: UInt8) -> GuestFileType? {
        GuestFileType(directoryEntryCode: code)
    }

    /// The target of symlink `number`: in `i_block` for a fast symlink (no data blocks), in the
    /// inline data, or in its data blocks for a slow one.
    public func symlinkTarget(_ number: UInt64) throws -> String {
        let node = try rawInode(number)
        guard node.type == .symlink else {
            throw ImageError(.invalid, "ext4 inode \(number) is not a symbolic link")
        }
        guard node.size > 0, node.size <= UInt64(GuestPaths.maxSymlinkTarget) else {
            throw ImageError(.outOfRange, "ext4 symlink inode \(number): target length \(node.size) is not between 1 and \(GuestPaths.maxSymlinkTarget)")
        }
        let length = Int(node.size)
        var bytes: [UInt8]
        if node.has(Ext4Inode.inlineDataFlag) {
            bytes = Array(try inlineData(node).prefix(length))
        } else {
            let attributeSectors: UInt64 = node.attributeBlock != 0 ? superblock.blockSize / 512 : 0
            let isFast = length < Ext4Inode.blockArea && node.sectors <= attributeSectors
            if isFast {
                bytes = Array(try node.blockArea().bytes.prefix(length))
            } else {
                bytes = try readData(node, at: 0, count: length)
            }
        }
        guard bytes.count == length else {
            throw ImageError(.truncated, "ext4 symlink inode \(number): target holds \(bytes.count) of \(length) bytes")
        }
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
