import DiskImage
import FuzzSupport

/// ZVHD: the footers, then the guest through the walk of the records' one deflate stream.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatGuest("zvhd", filename: "fuzz.zvhd", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
