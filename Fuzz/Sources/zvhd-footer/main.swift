import DiskImage
import FuzzSupport

/// The ZVHD / ZVHD2 footer alone: fields, checksum, sizes, creation date.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    if let facts = try? ZVHDParsers.footer(fuzzBytes(start, count)) { _ = facts.serialized(indent: nil) }
    return 0
}

runFuzzer(fuzzTestOneInput)
