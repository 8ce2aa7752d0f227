import DiskImage
import FuzzSupport
import GuestScan

/// An RPM header blob (rpmdb.sqlite's `Packages` rows): index entries, data store, tags.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let header = try? RPMHeader(fuzzBytes(start, count)) else { return 0 }
    _ = try? header.package()
    return 0
}

runFuzzer(fuzzTestOneInput)
