import DiskImage
import FuzzSupport
import GuestScan

/// `~/.netrc`: tokens, quoted words, comments and macro bodies.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = Netrc.credentials(in: fuzzBytes(start, count), path: "/root/.netrc").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
