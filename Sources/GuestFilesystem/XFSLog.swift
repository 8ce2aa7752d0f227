import DiskImage

/// Whether an XFS filesystem's internal log needs recovery: an image taken from a running
/// guest can hold its latest metadata changes only in the log, and koopack does not replay an
/// XFS log, so the scan says so (a note) rather than pretend it saw everything.
///
/// The log is a ring of 512-byte basic blocks, each starting with the cycle number of the pass
/// that wrote it (a record header holds its magic `0xFEEDBABE` first and the cycle after it).
/// The head is where the cycle number drops; the log is clean when the last record before the
/// head is an unmount record (one operation, flagged `XLOG_UNMOUNT_TRANS`) ending at the head,
/// as the kernel's `xlog_find_tail` decides. A log of zeros (never written) is clean too.
public enum XFSLogState: Sendable, Equatable {
    /// Cleanly unmounted (or never written): the filesystem is as the guest left it.
    case clean
    /// The last record is not an unmount record: committed changes may be only in the log.
    case needsRecovery
    /// The log is on another device, not in this volume.
    case external
    /// The log could not be judged (damaged, or no record header where one must be).
    case unknown(String)
}

extension XFSFileSystem {
    /// `xlog_rec_header`'s magic.
    static let logRecordMagic: UInt32 = 0xFEED_BABE
    /// `oh_flags` bit of the unmount record's operation.
    static let unmountTransaction: UInt8 = 0x20
    /// Most basic blocks searched back from the head for the last record header: a record is at
    /// most 256 KiB of data plus its headers, and up to eight may be in flight.
    static let maxLogSearch: UInt64 = 4096

    /// The state of the internal log. Reads a few dozen sectors (a binary search for the head).
    public func logState() -> XFSLogState {
        do {
            let w = try source.window(at: 0, count: 256, what: "XFS superblock")
            let logStart = try w.u64be(48)
            let logBlocks = try w.u32be(96)
            guard logStart != 0 else { return .external }
            let start = try superblock.byteOffset(ofBlock: logStart, count: UInt64(logBlocks), what: "XFS log")
            let count = UInt64(logBlocks) * UInt64(superblock.blockSize) / 512
            guard count >= 2 else { return .unknown("the log is \(count) sectors long") }
            return try XFSLogScan(source: source, start: start, count: count).state()
        } catch {
            return .unknown((error as? ImageError)?.message ?? "\(error)")
        }
    }
}

/// The reads of one log.
private struct XFSLogScan {
    let source: any ByteSource
    /// Byte offset and length (in 512-byte blocks) of the log.
    let start: UInt64
    let count: UInt64

    func block(_ index: UInt64) throws -> ByteWindow {
        try source.window(at: start + (index % count) * 512, count: 512, what: "XFS log block \(index % count)")
    }

    /// The cycle number of block `index`.
    func cycle(_ index: UInt64) throws -> UInt32 {
        let w = try block(index)
        return try w.u32be(0) == XFSFileSystem.logRecordMagic ? try w.u32be(4) : try w.u32be(0)
    }

    /// The block where the next record would be written.
    func head() throws -> UInt64 {
        let first = try cycle(0)
        let last = try cycle(count - 1)
        if first == last {
            // Every block seen has one cycle: the head is at the end of the ring, unless a hole
            // of the previous cycle lies among the last blocks written (in-flight records).
            let from = count > XFSFileSystem.maxLogSearch ? count - XFSFileSystem.maxLogSearch : 0
            for index in from..<count where try cycle(index) != first { return index }
            return count
        }
        // Blocks before the head carry `first`, from the head on the previous pass's cycle.
        var low: UInt64 = 0
        var high = count - 1
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if try cycle(middle) == first { low = middle } else { high = middle }
        }
        return high
    }

    func state() throws -> XFSLogState {
        guard try cycle(0) != 0 else { return .clean }  // never written
        let head = try head()
        var index = head + count  // (kept above zero while stepping back)
        for _ in 0..<min(XFSFileSystem.maxLogSearch, count) {
            index -= 1
            let w = try block(index)
            guard try w.u32be(0) == XFSFileSystem.logRecordMagic else { continue }
            let length = UInt64(try w.u32be(12))
            let operations = try w.u32be(40)
            let version = try w.u32be(8)
            let size = UInt64(try w.u32be(320))
            // A v2 log record bigger than 32 KiB has extended headers, one sector per 32 KiB.
            let headerBlocks: UInt64 = version >= 2 && size > 32768 ? (size + 32767) / 32768 : 1
            let dataBlocks = (length + 511) / 512
            guard operations == 1, (index + headerBlocks + dataBlocks) % count == head % count else { return .needsRecovery }
            let flags = try block(index + headerBlocks).u8(9)
            return flags & XFSFileSystem.unmountTransaction != 0 ? .clean : .needsRecovery
        }
        return .unknown("no log record header in the \(min(XFSFileSystem.maxLogSearch, count)) sectors before the head")
    }
}
