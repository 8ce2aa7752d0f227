import DiskImage
import FuzzSupport

/// LUKS1 and LUKS2 headers (binary and JSON).
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("luks", filename: "fuzz.luks", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
