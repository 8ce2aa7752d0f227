import DiskImage
import FuzzSupport

/// QCOW version 1 header.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("qcow", filename: "fuzz.qcow", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
