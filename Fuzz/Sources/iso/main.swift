import DiskImage
import FuzzSupport

/// ISO 9660 volume descriptors.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("iso", filename: "fuzz.iso", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
