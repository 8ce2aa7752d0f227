import DiskImage
import FuzzSupport

/// The ZVHD2 bitmap alone: stored-block count, and membership and rank of blocks the input's
/// last bytes choose, at the edges and past the end.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    let seed = trailingSeed(bytes)
    let bits = UInt64(bytes.count) * 8
    let blocks: [UInt64] = [0, seed % (bits + 64), bits &- 1, bits, bits + 1, seed, UInt64.max]
    let result = ZVHDParsers.bitmap(bytes, blocks: blocks)
    precondition(result.lookups.allSatisfy { $0.rank >= 0 && $0.rank <= result.stored })
    return 0
}

runFuzzer(fuzzTestOneInput)
