import DiskImage
import FuzzSupport
import GuestScan

/// dpkg's `/var/lib/dpkg/status`: deb822 paragraphs.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = DpkgStatus.parse(fuzzBytes(start, count))
    return 0
}

runFuzzer(fuzzTestOneInput)
