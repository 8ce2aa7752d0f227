import DiskImage
import FuzzSupport
import GuestScan

/// Debian's `/etc/network/interfaces`: stanzas, options, `source` lines.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    _ = DebianInterfaces.pins(in: bytes, path: "/etc/network/interfaces").map(\.description)
    _ = DebianInterfaces.includes(in: bytes)
    return 0
}

runFuzzer(fuzzTestOneInput)
