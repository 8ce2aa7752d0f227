import DiskImage
import FuzzSupport

/// QCOW2 header, extensions, snapshot table and refcount checks.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("qcow2", filename: "fuzz.qcow2", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
