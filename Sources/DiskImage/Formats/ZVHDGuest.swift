import Synchronization

/// The guest disk of a ZVHD image. ZVHD has no index and compresses every stored block into one
/// deflate stream (zvhd.c: one `COMP_CTX` for the life of the open image, zvhd_write and
/// zvhd_read each make one `Z_SYNC_FLUSH` call per block), so reading block N means inflating
/// every record before it. The disk walks the records in file order with bounded memory: it
/// remembers where each block's record starts (a hole is a block with no record), keeps a few
/// decoded blocks, and keeps the last 32 KiB of output before some records as checkpoints, so a
/// read behind the walk restarts from the nearest checkpoint with a raw inflate primed with
/// that dictionary rather than from the first record. A read near the end of the disk still
/// costs a pass over the data before it: ZVHD allows nothing better.
struct ZVHDStreamDisk: ZeroRunSource {
    let size: UInt64
    private let walk: ZVHDStreamWalk
    private let disk: BlockMappedDisk

    init(image: ZVHDImage, source: any ByteSource) {
        size = image.footer.virtualSize
        let walk = ZVHDStreamWalk(source: source, virtualSize: size)
        self.walk = walk
        disk = BlockMappedDisk(size: size, backing: nil) { offset in try walk.locate(offset) }
    }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] { try disk.read(at: offset, count: count) }

    func zeroRun(at offset: UInt64, limit: UInt64) throws -> UInt64 { try walk.zeroRun(at: offset, limit: limit) }

    /// The stream reads best front to back, from one reader.
    var readsInOrder: Bool { true }
}

/// The shared, locked state of a ZVHD walk (see `ZVHDStreamDisk`).
final class ZVHDStreamWalk: Sendable {
    /// The driver's block (zvhd.c `IMAGE_BLOCK_SIZE`).
    static let blockSize = Int(ZVHDFooter.driverBlockSize)
    /// Most checkpoints kept: 256 of 32 KiB, 8 MiB. When the walk passes more records than
    /// that, every other checkpoint is dropped and the spacing doubles.
    static let maxCheckpoints = 256
    /// Decoded blocks kept (2 MiB each).
    static let cachedBlocks = 8

    let source: any ByteSource
    let blockCount: UInt64
    private let state = Mutex(State())
    private let blocks = TableCache<UInt32, [UInt8]>(capacity: cachedBlocks)

    private struct State: @unchecked Sendable {
        /// The records found so far, blocks strictly ascending.
        var records: [ZVHDRecordHeader] = []
        /// Where the next record not yet found starts (zvhd_open: `cur_offset = FOOTER_SIZE`).
        var nextRecord: UInt64 = ZVHDFooter.blockLength
        /// Whether the walk met the end footer: no block after the last record is stored.
        var ended = false
        /// The inflate stream, positioned before record `decoded`.
        var decoder: InflateStream?
        var decoded = 0
        /// Record index → the last 32 KiB the stream produced before that record.
        var checkpoints: [Int: [UInt8]] = [:]
        var spacing = 1
    }

    init(source: any ByteSource, virtualSize: UInt64) {
        self.source = source
        blockCount = (virtualSize + ZVHDFooter.driverBlockSize - 1) / ZVHDFooter.driverBlockSize
    }

    /// Where the guest bytes at `offset` live: a decoded block, or zeros for a hole.
    func locate(_ offset: UInt64) throws -> GuestExtent {
        let block = offset / ZVHDFooter.driverBlockSize
        let inBlock = offset % ZVHDFooter.driverBlockSize
        let rest = ZVHDFooter.driverBlockSize - inBlock
        guard let record = try state.withLock({ state in try find(block, in: &state) }) else {
            return GuestExtent(.zero, length: rest)
        }
        let data = try blocks.value(for: UInt32(block)) {
            try state.withLock { state in try decode(record, in: &state) }
        }
        return GuestExtent(.decoded(data, start: Int(inBlock)), length: rest)
    }

    /// The zero bytes from `offset` on, whole holes only, up to `limit`; finds records as needed
    /// (reading their headers, not their data).
    func zeroRun(at offset: UInt64, limit: UInt64) throws -> UInt64 {
        var run: UInt64 = 0
        while run < limit {
            let position = offset + run
            let block = position / ZVHDFooter.driverBlockSize
            guard block < blockCount,
                  try state.withLock({ state in try find(block, in: &state) }) == nil else { break }
            run += ZVHDFooter.driverBlockSize - position % ZVHDFooter.driverBlockSize
        }
        return min(run, limit)
    }

    /// The index of the record holding `block`, or nil when the block is a hole. Walks the
    /// record headers as far as needed.
    private func find(_ block: UInt64, in state: inout State) throws -> Int? {
        try discover(through: block, in: &state)
        var low = 0, high = state.records.count
        while low < high {
            let middle = (low + high) / 2
            if UInt64(state.records[middle].block) < block { low = middle + 1 } else { high = middle }
        }
        return low < state.records.count && UInt64(state.records[low].block) == block ? low : nil
    }

    /// Reads record headers until one for a block at or past `block`, or the end footer, as
    /// zvhd_read does: a 4 KiB block that starts with the record prefix is a record (checked to
    /// end in "end\0", check_zvhd_data_end); one that starts with the cookie is the end of data;
    /// anything else is an error (check_zvhd_data_start). Records must ascend: the driver, fed
    /// a record for an earlier block, returns zeros and then fails.
    private func discover(through block: UInt64, in state: inout State) throws {
        let fileEnd = source.size - ZVHDFooter.blockLength
        while !state.ended, state.records.last.map({ UInt64($0.block) < block }) ?? true {
            let at = state.nextRecord
            let head = ByteWindow(try source.read(at: at, count: ZVHDRecordHeader.length), at: at)
            if ZVHDRecordHeader.isRecord(head) {
                guard head.count == ZVHDRecordHeader.length else {
                    throw ImageError(.truncated, offset: at, "truncated: the record header at offset \(at) is cut short by the end of the file")
                }
                let record = try ZVHDRecordHeader(head)
                let (end, overflow) = at.addingReportingOverflow(record.recordLength)
                guard !overflow, end <= fileEnd else {
                    throw ImageError(.outOfRange, offset: at, "the record at offset \(at) (\(record.recordLength) bytes) runs past offset \(fileEnd), where the end footer must start")
                }
                if let last = state.records.last, record.block <= last.block {
                    throw ImageError.invalid(.outOfRange, "record block number", at: at + 16,
                                             "the record at offset \(at) is for block \(record.block), which does not follow block \(last.block): ZVHD records ascend")
                }
                let postfix = try source.read(at: end - 4, count: 4)
                guard postfix == ZVHDRecordHeader.postfix else {
                    throw ImageError.invalid(.outOfRange, "record end marker", at: end - 4, "the record at offset \(at) does not end in \"end\\0\"")
                }
                if UInt64(record.block) >= blockCount {
                    // The driver is never asked for a block past the disk: it never reaches this
                    // record or any after it.
                    state.ended = true
                    break
                }
                state.records.append(record)
                state.nextRecord = end
            } else if head.matches(ZVHDFooter.zvhdCookie, at: 0) {
                state.ended = true
            } else {
                throw ImageError(.outOfRange, offset: at, "at offset \(at) there is neither a data record (\"hwstream bg\") nor the end footer (\"stream\")")
            }
        }
    }

    /// Inflates record `index`, continuing the stream if it is positioned at or before it, else
    /// restarting from the nearest checkpoint.
    private func decode(_ index: Int, in state: inout State) throws -> [UInt8] {
        if state.decoder == nil || state.decoded > index {
            let start = state.checkpoints.keys.filter { $0 <= index }.max() ?? 0
            state.decoder = start == 0 ? try InflateStream(raw: false)
                : try InflateStream(raw: true, dictionary: state.checkpoints[start] ?? [])
            state.decoded = start
        }
        while true {
            let record = state.records[state.decoded]
            guard let decoder = state.decoder else { throw ImageError(.invalid, "the ZVHD inflate stream is gone") }
            let payload = try source.readExactly(at: record.offset + UInt64(ZVHDRecordHeader.length),
                                                 count: Int(record.payloadSize), what: "ZVHD record payload")
            let step = decoder.inflate(payload[...], capacity: Self.blockSize + 1)
            let data: [UInt8]
            do {
                data = try Decompression.checkedBlock(step, expected: Self.blockSize)
            } catch let error as ImageError {
                state.decoder = nil
                throw ImageError(.outOfRange, offset: record.offset, "the record for block \(record.block) at offset \(record.offset): \(error.message)")
            }
            state.decoded += 1
            if step.atBlockBoundary, step.inputLeft == 0, state.decoded % state.spacing == 0,
               state.decoded < state.records.count || !state.ended {
                state.checkpoints[state.decoded] = Array(data.suffix(InflateStream.windowSize))
                if state.checkpoints.count > Self.maxCheckpoints {
                    state.spacing *= 2
                    let spacing = state.spacing
                    state.checkpoints = state.checkpoints.filter { $0.key % spacing == 0 }
                }
            }
            if state.decoded - 1 == index { return data }
        }
    }
}
