import DiskImage
import FuzzSupport

/// QED header and its backing name.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("qed", filename: "fuzz.qed", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
