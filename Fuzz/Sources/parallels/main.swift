import DiskImage
import FuzzSupport

/// Parallels header and its catalogue.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("parallels", filename: "fuzz.hdd", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
