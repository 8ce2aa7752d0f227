import DiskImage
import FuzzSupport

/// ZVHD2: the header and final footers and the bitmap, then the guest through bitmap, index
/// and one compressed record per block.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatGuest("zvhd2", filename: "fuzz.zvhd2", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
