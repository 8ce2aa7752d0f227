import DiskImage
import FuzzSupport

/// VHD footer, dynamic header and BAT.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("vpc", filename: "fuzz.vhd", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
