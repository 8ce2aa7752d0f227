import DiskImage
import FuzzSupport

/// VMDK hosted sparse extent (KDMV) header with its embedded descriptor.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("vmdk", filename: "x.vmdk", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
