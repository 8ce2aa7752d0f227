import DiskImage
import FuzzSupport

/// The ZVHD2 index lookups alone. Input: one flag byte (bit 0: zero blocks indexed), a
/// little-endian 16-bit bitmap length, the bitmap, then the index entries. The first 64 stored
/// blocks and a few the input's last bytes choose are looked up, with the checks a guest read
/// makes (data area, record length, neighbours).
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    guard bytes.count >= 3 else { return 0 }
    let declared = Int(bytes[1]) | Int(bytes[2]) << 8
    let length = min(declared, bytes.count - 3)
    let bitmap = Array(bytes[3..<(3 + length)])
    let index = Array(bytes[(3 + length)...])
    let seed = trailingSeed(bytes)
    let bits = UInt64(bitmap.count) * 8
    var blocks: [UInt64] = []
    for block in 0..<min(bits, 4096) where bitmap[Int(block / 8)] >> (block % 8) & 1 != 0 && blocks.count < 64 {
        blocks.append(block)
    }
    blocks.append(seed % (bits + 1))
    blocks.append(bits)
    blocks.append(0)
    let areaEnd: UInt64 = 4096 + (seed >> 20) % (1 << 34)
    let zeroBlocksIndexed = bytes[0] & 1 != 0
    _ = ZVHDParsers.indexLookups(index: index, bitmap: bitmap, zeroBlocksIndexed: zeroBlocksIndexed,
                                 dataArea: 4096..<areaEnd, blocks: blocks)
    return 0
}

runFuzzer(fuzzTestOneInput)
