import DiskImage
import FuzzSupport
import GuestScan

/// Shell profiles and `/etc/environment`: words, quotes, `export`/`declare`/`setenv`.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = EnvironmentAssignments.credentials(in: fuzzBytes(start, count), path: "/etc/profile").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
