import DiskImage
import FuzzSupport
import GuestScan

/// `/etc/fstab`: fields, octal escapes, device names (tags, by-* links, LVM names).
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    _ = Fstab.entries(in: bytes)
    _ = Fstab.references(in: bytes).map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
