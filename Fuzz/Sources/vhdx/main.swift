import DiskImage
import FuzzSupport

/// VHDX file identifier, headers, region table, log and metadata.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("vhdx", filename: "fuzz.vhdx", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
