import DiskImage
import FuzzSupport

/// VDI header and block map.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("vdi", filename: "fuzz.vdi", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
