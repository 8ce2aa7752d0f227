import DiskImage

/// One ext2/3/4 inode record as read from its group's inode table: the fields that say what the
/// file is and where its data lives (extent tree, block pointers, or inline in the inode).
struct Ext4Inode: Sendable {
    /// `EXT4_EXTENTS_FL`: `i_block` holds an extent tree root.
    static let extentsFlag: UInt32 = 0x80000
    /// `EXT4_INLINE_DATA_FL`: the data lives in `i_block` and the `system.data` attribute.
    static let inlineDataFlag: UInt32 = 0x1000_0000
    /// `EXT4_HUGE_FILE_FL`: `i_blocks` counts filesystem blocks, not 512-byte sectors.
    static let hugeFileFlag: UInt32 = 0x40000
    /// `EXT4_ENCRYPT_FL`: names and contents are encrypted; koopack cannot read them.
    static let encryptFlag: UInt32 = 0x800
    /// `EXT4_EA_INODE_FL`: the inode holds an extended attribute value, not a file.
    static let eaInodeFlag: UInt32 = 0x20_0000
    /// Size of `i_block`, the 15 block pointers / extent root / inline data / fast symlink.
    static let blockArea = 60
    /// Offset of `i_block` in the inode.
    static let blockAreaOffset = 0x28

    let number: UInt64
    /// The whole inode record (`s_inode_size` bytes).
    let record: ByteWindow
    let mode: UInt16
    let flags: UInt32
    let size: UInt64
    /// `i_blocks` in 512-byte units.
    let sectors: UInt64
    /// `i_file_acl`: the block holding extended attributes, 0 for none.
    let attributeBlock: UInt64

    var type: GuestFileType {
        switch mode & 0xF000 {
        case 0x8000: .regular
        case 0x4000: .directory
        case 0xA000: .symlink
        case 0x2000: .characterDevice
        case 0x6000: .blockDevice
        case 0x1000: .fifo
        case 0xC000: .socket
        default: .unknown
        }
    }

    func has(_ flag: UInt32) -> Bool { flags & flag != 0 }

    /// The 60 bytes of `i_block`.
    func blockArea() throws -> ByteWindow {
        ByteWindow(Array(try record.slice(Self.blockAreaOffset, Self.blockArea)), at: record.base + UInt64(Self.blockAreaOffset))
    }
}

/// A run of a file's logical blocks: where they sit on disk, or nil for a hole or an
/// unwritten extent (both read as zeros).
struct Ext4BlockRun: Sendable, Equatable {
    var logical: UInt64
    var physical: UInt64?
    var count: UInt64
}

extension Ext4FileSystem {
    /// Deepest extent tree accepted: ext4 itself never builds one deeper than 5.
    static let maxExtentDepth = 5
    /// Most extent tree nodes visited to map one read: a damaged tree cannot make a read loop
    /// through millions of nodes.
    static let maxExtentNodesPerRead = 1 << 16
    /// Largest single `read`: callers read large files in pieces.
    public static let maxReadCount = 64 << 20
    /// The extent header magic `eh_magic`.
    static let extentMagic: UInt16 = 0xF30A

    /// The inode record `number`, from its group's inode table.
    func rawInode(_ number: UInt64) throws -> Ext4Inode {
        guard number >= 1, number <= UInt64(superblock.inodesCount) else {
            throw ImageError(.outOfRange, "ext4 inode \(number) is out of range (the filesystem has inodes 1 to \(superblock.inodesCount))")
        }
        let group = (number - 1) / UInt64(superblock.inodesPerGroup)
        let index = (number - 1) % UInt64(superblock.inodesPerGroup)
        let table = try inodeTableBlock(group: group)
        let offset = table * superblock.blockSize + index * UInt64(superblock.inodeSize)
        let w = try source.window(at: offset, count: Int(superblock.inodeSize), what: "ext4 inode \(number)")
        let flags = try w.u32le(0x20)
        var size = UInt64(try w.u32le(0x4)) | UInt64(try w.u32le(0x6C)) << 32
        let mode = try w.u16le(0x0)
        if superblock.revision == 0 && mode & 0xF000 == 0x4000 { size &= 0xFFFF_FFFF }  // i_dir_acl
        var sectors = UInt64(try w.u32le(0x1C))
        let hugeFile = superblock.featureRoCompat & 0x8 != 0
        if hugeFile {
            sectors |= UInt64(try w.u16le(0x74)) << 32
            if flags & Ext4Inode.hugeFileFlag != 0 { sectors = sectors &* (superblock.blockSize / 512) }
        }
        var attributeBlock = UInt64(try w.u32le(0x68))
        if superblock.has(incompat: Ext4Superblock.incompat64Bit) { attributeBlock |= UInt64(try w.u16le(0x76)) << 32 }
        return Ext4Inode(number: number, record: w, mode: mode, flags: flags, size: size,
                         sectors: sectors, attributeBlock: attributeBlock)
    }

    /// The facts of inode `number`. Throws when it is out of range or its table cannot be read.
    public func inode(_ number: UInt64) throws -> GuestInode {
        let raw = try rawInode(number)
        let uid = UInt32(try raw.record.u16le(0x2)) | UInt32(try raw.record.u16le(0x78)) << 16
        let gid = UInt32(try raw.record.u16le(0x18)) | UInt32(try raw.record.u16le(0x7A)) << 16
        return GuestInode(number: number, type: raw.type, size: raw.size, permissions: raw.mode & 0o7777,
                          uid: uid, gid: gid)
    }

    /// Up to `count` bytes of regular file `number` from `offset`; holes and unwritten extents
    /// read as zeros; nothing past the end of the file.
    public func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8] {
        let node = try rawInode(number)
        guard node.type == .regular else {
            throw ImageError(.invalid, "ext4 inode \(number) is not a regular file")
        }
        return try readData(node, at: offset, count: count)
    }

    /// Up to `count` bytes of the data of `node` (a file, directory or slow symlink) from `offset`.
    func readData(_ node: Ext4Inode, at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, count <= Self.maxReadCount else {
            throw ImageError(.limit, "ext4 inode \(node.number): a read of \(count) bytes is more than the \(Self.maxReadCount) koopack reads at once")
        }
        guard offset < node.size, count > 0 else { return [] }
        if node.has(Ext4Inode.encryptFlag) {
            throw ImageError(.unsupported, "ext4 inode \(node.number) is encrypted; koopack cannot read it")
        }
        let length = Int(min(UInt64(count), node.size - offset))
        if node.has(Ext4Inode.inlineDataFlag) {
            let data = try inlineData(node)
            guard UInt64(data.count) >= offset + UInt64(length) else {
                throw ImageError(.outOfRange, "ext4 inode \(node.number): inline data holds \(data.count) bytes, the inode says \(node.size)")
            }
            return Array(data[Int(offset)..<(Int(offset) + length)])
        }
        let blockSize = superblock.blockSize
        let firstBlock = offset / blockSize
        let endBlock = (offset + UInt64(length) - 1) / blockSize + 1
        let runs = try blockRuns(of: node, from: firstBlock, to: endBlock)
        var buffer = [UInt8](repeating: 0, count: length)
        let wantedEnd = offset + UInt64(length)
        for run in runs {
            guard let physical = run.physical else { continue }
            let runStart = max(run.logical * blockSize, offset)
            let runEnd = min((run.logical + run.count) * blockSize, wantedEnd)
            guard runStart < runEnd else { continue }
            let diskOffset = physical * blockSize + (runStart - run.logical * blockSize)
            let bytes = try source.readExactly(at: diskOffset, count: Int(runEnd - runStart),
                                               what: "ext4 inode \(node.number) data")
            buffer.replaceSubrange(Int(runStart - offset)..<Int(runEnd - offset), with: bytes)
        }
        return buffer
    }

    /// The mapped runs of logical blocks `[first, end)` of `node`, by extent tree or block pointers.
    func blockRuns(of node: Ext4Inode, from first: UInt64, to end: UInt64) throws -> [Ext4BlockRun] {
        if node.has(Ext4Inode.extentsFlag) {
            var runs: [Ext4BlockRun] = []
            var visited: Set<UInt64> = []
            var budget = Self.maxExtentNodesPerRead
            try walkExtents(node: node.blockArea(), depthAbove: nil, inode: node.number, first: first, end: end,
                            visited: &visited, budget: &budget, runs: &runs)
            return runs
        }
        return try indirectRuns(of: node, from: first, to: end)
    }

    /// Collects the extents of one extent tree node that overlap `[first, end)`, descending into
    /// index entries; checks the magic, the entry counts, the depth and the block numbers, and
    /// refuses a node visited twice (a loop).
    private func walkExtents(node: ByteWindow, depthAbove: Int?, inode: UInt64, first: UInt64, end: UInt64,
                             visited: inout Set<UInt64>, budget: inout Int, runs: inout [Ext4BlockRun]) throws {
        budget -= 1
        guard budget >= 0 else {
            throw ImageError(.limit, "ext4 inode \(inode): extent tree has more than \(Self.maxExtentNodesPerRead) nodes in one read")
        }
        let magic = try node.u16le(0)
        guard magic == Self.extentMagic else {
            throw ImageError.invalid(.badMagic, "ext4 inode \(inode) extent header", at: node.base,
                                     "magic 0x\(String(magic, radix: 16)) is not 0xf30a")
        }
        let entries = Int(try node.u16le(2))
        let maxEntries = Int(try node.u16le(4))
        let depth = Int(try node.u16le(6))
        let capacity = (node.count - 12) / 12
        guard maxEntries <= capacity, entries <= maxEntries else {
            throw ImageError.invalid(.outOfRange, "ext4 inode \(inode) extent header", at: node.base,
                                     "\(entries) entries (max \(maxEntries)) do not fit a node of \(node.count) bytes (at most \(capacity))")
        }
        guard depth <= Self.maxExtentDepth else {
            throw ImageError.invalid(.outOfRange, "ext4 inode \(inode) extent header", at: node.base,
                                     "depth \(depth) is more than \(Self.maxExtentDepth)")
        }
        if let above = depthAbove, depth != above - 1 {
            throw ImageError.invalid(.outOfRange, "ext4 inode \(inode) extent header", at: node.base,
                                     "depth \(depth) under a node of depth \(above) (a loop or a damaged tree)")
        }
        if depth == 0 {
            for i in 0..<entries {
                let e = 12 + 12 * i
                let logical = UInt64(try node.u32le(e))
                var length = UInt64(try node.u16le(e + 4))
                let unwritten = length > 32768
                if unwritten { length -= 32768 }
                let start = UInt64(try node.u16le(e + 6)) << 32 | UInt64(try node.u32le(e + 8))
                let lo = max(logical, first)
                let hi = min(logical + length, end)
                guard lo < hi else { continue }
                guard start > 0 else {
                    throw ImageError.invalid(.outOfRange, "ext4 inode \(inode) extent", at: node.base + UInt64(e),
                                             "starts at block 0, which holds the superblock, not file data")
                }
                guard start + length <= superblock.blocksCount else {
                    throw ImageError.invalid(.outOfRange, "ext4 inode \(inode) extent", at: node.base + UInt64(e),
                                             "blocks \(start) to \(start + length) lie past the end of the filesystem (\(superblock.blocksCount) blocks)")
                }
                runs.append(Ext4BlockRun(logical: lo, physical: unwritten ? nil : start + (lo - logical), count: hi - lo))
            }
            return
        }
        var previous: UInt64?
        for i in 0..<entries {
            let e = 12 + 12 * i
            let logical = UInt64(try node.u32le(e))
            if let previous, logical <= previous {
                throw ImageError.invalid(.outOfRange, "ext4 inode \(inode) extent index", at: node.base + UInt64(e),
                                         "logical block \(logical) does not follow \(previous)")
            }
            previous = logical
            let next = i + 1 < entries ? UInt64(try node.u32le(e + 12)) : UInt64.max
            guard logical < end, next > first else { continue }
            let child = UInt64(try node.u16le(e + 8)) << 32 | UInt64(try node.u32le(e + 4))
            guard visited.insert(child).inserted else {
                throw ImageError.invalid(.loop, "ext4 inode \(inode) extent index", at: node.base + UInt64(e),
                                         "points again at block \(child): the extent tree loops")
            }
            let childNode = try metadataBlock(child, what: "ext4 inode \(inode) extent node")
            try walkExtents(node: childNode, depthAbove: depth, inode: inode, first: first, end: end,
                            visited: &visited, budget: &budget, runs: &runs)
        }
    }

    /// The runs of logical blocks `[first, end)` of a file mapped the ext2/ext3 way: 12 direct
    /// pointers, then single, double and triple indirect blocks.
    private func indirectRuns(of node: Ext4Inode, from first: UInt64, to end: UInt64) throws -> [Ext4BlockRun] {
        let area = try node.blockArea()
        let perBlock = superblock.blockSize / 4
        var runs: [Ext4BlockRun] = []
        var block = first
        while block < end {
            let physical = try indirectLookup(area: area, logical: block, perBlock: perBlock, inode: node.number)
            if var last = runs.last, last.logical + last.count == block, continues(last, with: physical) {
                last.count += 1
                runs[runs.count - 1] = last
            } else {
                runs.append(Ext4BlockRun(logical: block, physical: physical, count: 1))
            }
            block += 1
        }
        return runs
    }

    /// Whether `physical` (nil for a hole) extends `run` by one block.
    private func continues(_ run: Ext4BlockRun, with physical: UInt64?) -> Bool {
        switch (run.physical, physical) {
        case (nil, nil): true
        case let (start?, next?): start + run.count == next
        default: false
        }
    }

    /// The block holding logical block `logical` through the block pointers, nil for a hole.
    private func indirectLookup(area: ByteWindow, logical: UInt64, perBlock: UInt64, inode: UInt64) throws -> UInt64? {
        var rest = logical
        var path: [UInt64] = []
        var slot: Int
        if rest < 12 {
            slot = Int(rest)
        } else {
            rest -= 12
            var level = 1
            var span = perBlock
            while rest >= span {
                rest -= span
                level += 1
                guard level <= 3 else {
                    throw ImageError(.outOfRange, "ext4 inode \(inode): logical block \(logical) is past what triple indirect blocks can map")
                }
                span *= perBlock
            }
            slot = 11 + level
            for _ in 0..<level {
                span /= perBlock
                path.append(rest / span)
                rest %= span
            }
        }
        var pointer = UInt64(try area.u32le(slot * 4))
        for index in path {
            guard pointer != 0 else { return nil }
            let table = try checkedBlock(pointer, inode: inode, what: "indirect block")
            let window = try metadataBlock(table, what: "ext4 inode \(inode) indirect block")
            pointer = UInt64(try window.u32le(Int(index) * 4))
        }
        guard pointer != 0 else { return nil }
        return try checkedBlock(pointer, inode: inode, what: "data block")
    }

    private func checkedBlock(_ block: UInt64, inode: UInt64, what: String) throws -> UInt64 {
        guard block < superblock.blocksCount else {
            throw ImageError(.outOfRange, "ext4 inode \(inode): \(what) \(block) lies past the end of the filesystem (\(superblock.blocksCount) blocks)")
        }
        return block
    }

    /// The whole inline data of `node`: `i_block` then the value of its `system.data` attribute.
    func inlineData(_ node: Ext4Inode) throws -> [UInt8] {
        let area = try node.blockArea()
        var data = Array(area.bytes)
        guard node.size > UInt64(Ext4Inode.blockArea) else { return data }
        guard let extra = try inodeAttribute(node, index: 7, name: "data") else {
            throw ImageError(.outOfRange, "ext4 inode \(node.number): \(node.size) bytes of inline data but no system.data attribute in the inode")
        }
        data += extra
        return data
    }

    /// The value of the in-inode extended attribute with name index `index` and `name` (the
    /// attributes between the 128-byte core and the end of the inode record), or nil.
    func inodeAttribute(_ node: Ext4Inode, index: UInt8, name: String) throws -> [UInt8]? {
        let record = node.record
        guard record.count > 128 else { return nil }
        let extra = Int(try record.u16le(0x80))
        let start = 128 + extra
        guard extra % 4 == 0, start + 4 <= record.count else { return nil }
        guard try record.u32le(start) == 0xEA02_0000 else { return nil }
        let first = start + 4
        var entry = first
        let wanted = Array(name.utf8)
        while entry + 16 <= record.count {
            guard try record.u32le(entry) != 0 else { break }
            let nameLength = Int(try record.u8(entry))
            let nameIndex = try record.u8(entry + 1)
            let valueOffset = Int(try record.u16le(entry + 2))
            let valueInode = try record.u32le(entry + 4)
            let valueSize = Int(try record.u32le(entry + 8))
            let entryName = Array(try record.slice(entry + 16, nameLength))
            if nameIndex == index && entryName == wanted {
                guard valueInode == 0 else {
                    throw ImageError.invalid(.unsupported, "ext4 inode \(node.number) attribute", at: record.base + UInt64(entry),
                                             "the value lives in inode \(valueInode) (ea_inode), which koopack does not read")
                }
                guard valueOffset <= record.count - first, valueSize <= record.count - first - valueOffset else {
                    throw ImageError.invalid(.outOfRange, "ext4 inode \(node.number) attribute", at: record.base + UInt64(entry),
                                             "value of \(valueSize) bytes at \(valueOffset) lies outside the inode")
                }
                return Array(try record.slice(first + valueOffset, valueSize))
            }
            entry += (16 + nameLength + 3) & ~3
        }
        return nil
    }
}
