/// Linux compressed loop images (cloop 2.0), as QEMU's read-only `cloop` driver
/// (block/cloop.c) reads them: a shell-script preamble, a big-endian block size and block count
/// at 128, then `count + 1` big-endian 64-bit offsets; block `i` is the zlib stream between
/// offsets `i` and `i + 1` and inflates to exactly one block. IMS does not import the format.
public enum CloopFormat: ImageFormat {
    public static let name = "cloop"

    /// cloop_probe: the version 2.0 preamble. QEMU gives it 2 (enough to beat raw); koopack
    /// takes the whole preamble as the signature it is.
    public static func probe(_ input: ProbeInput) -> Int {
        input.head.matches(CloopHeader.preamble, at: 0) ? 100 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let header = try CloopHeader.read(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: header.virtualSize)
        info.formatSpecific = .object([("type", .string(name)), ("data", .object([
            ("block-size", .uint(UInt64(header.blockSize))),
            ("blocks", .uint(UInt64(header.blocks))),
        ]))])
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let header = try CloopHeader.read(source)
        let offsets = try header.offsets(source)
        let blocks = TableCache<UInt64, [UInt8]>(capacity: max(2, Int((16 << 20) / UInt64(header.blockSize))))
        return BlockMappedDisk(size: header.virtualSize, backing: nil) { offset in
            let index = offset / UInt64(header.blockSize)
            let inBlock = offset % UInt64(header.blockSize)
            let data = try blocks.value(for: index) { try header.block(Int(index), offsets: offsets, source: source) }
            return GuestExtent(.decoded(data, start: Int(inBlock)), length: UInt64(header.blockSize) - inBlock)
        }
    }
}

/// The cloop header at 128 and the offset table after it, checked as cloop_open checks them.
struct CloopHeader: Sendable {
    /// cloop_probe's `magic_version_2_0`.
    static let preamble: [UInt8] = Array("#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n".utf8)
    /// cloop.c `MAX_BLOCK_SIZE`: 64 MiB; koopack inflates at most `Decompression.maxOutput` at once.
    static let maxBlockSize = UInt32(Decompression.maxOutput)
    /// cloop_open refuses an offset table over 512 MiB; koopack's limit is 64 MiB (8 Mi blocks).
    static let maxOffsetTableBytes: UInt64 = 64 << 20

    var blockSize: UInt32
    var blocks: UInt32

    var virtualSize: UInt64 { UInt64(blocks) * UInt64(blockSize) }

    static func read(_ source: any ByteSource) throws -> CloopHeader {
        let w = try source.window(at: 128, count: 8, what: "cloop header")
        let header = CloopHeader(blockSize: try w.u32be(128 - 128), blocks: try w.u32be(4))
        guard header.blockSize > 0, header.blockSize % 512 == 0 else {
            throw ImageError.invalid(.invalid, "cloop block size", at: 128, "\(header.blockSize) is not a non-zero multiple of 512")
        }
        guard header.blockSize <= maxBlockSize else {
            throw ImageError.invalid(.limit, "cloop block size", at: 128, "\(header.blockSize) is more than koopack's \(maxBlockSize)-byte limit")
        }
        guard (UInt64(header.blocks) + 1) * 8 <= maxOffsetTableBytes else {
            throw ImageError.invalid(.outOfRange, "cloop block count", at: 132, "\(header.blocks) blocks need an offset table over \(maxOffsetTableBytes) bytes")
        }
        return header
    }

    /// The `blocks + 1` offsets, each at least the one before (cloop_open: "offsets not
    /// monotonically increasing"), each block's compressed length at most twice the largest
    /// block QEMU allows.
    func offsets(_ source: any ByteSource) throws -> [UInt64] {
        let count = Int(blocks) + 1
        let w = try source.window(at: 136, count: count * 8, what: "cloop offset table")
        var offsets: [UInt64] = []
        offsets.reserveCapacity(count)
        for i in 0..<count {
            let offset = try w.u64be(i * 8)
            if let previous = offsets.last {
                guard offset >= previous else {
                    throw ImageError.invalid(.outOfRange, "cloop offset \(i)", at: 136 + UInt64(i) * 8, "\(offset) is before offset \(i - 1) (\(previous))")
                }
                guard offset - previous <= 2 * UInt64(Self.maxBlockSize) else {
                    throw ImageError.invalid(.outOfRange, "cloop offset \(i)", at: 136 + UInt64(i) * 8, "block \(i - 1) claims \(offset - previous) compressed bytes")
                }
            }
            offsets.append(offset)
        }
        return offsets
    }

    /// cloop_read_block: inflate the zlib stream of block `index` to exactly one block.
    func block(_ index: Int, offsets: [UInt64], source: any ByteSource) throws -> [UInt8] {
        let start = offsets[index], length = offsets[index + 1] - start
        let compressed = try source.readExactly(at: start, count: Int(length), what: "cloop block \(index)")
        do {
            return try Decompression.inflate(compressed[...], expected: Int(blockSize), wrapping: .zlib)
        } catch let error as ImageError {
            throw ImageError(.outOfRange, offset: start, "cloop block \(index) at offset \(start): \(error.message)")
        }
    }
}
