import DiskImage
import FuzzSupport
import GuestScan

/// `~/.pgpass`: colon-separated fields with escapes.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = PGPass.credentials(in: fuzzBytes(start, count), path: "/root/.pgpass").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
