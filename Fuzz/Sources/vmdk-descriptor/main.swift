import DiskImage
import FuzzSupport

/// VMDK descriptor text in its own file, as `x.vmdk`.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzFormatHeader("vmdk", filename: "x.vmdk", start, count)
    return 0
}

runFuzzer(fuzzTestOneInput)
