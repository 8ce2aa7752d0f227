import DiskImage
import FuzzSupport
import GuestScan

/// `~/.git-credentials`: one credential URL per line.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = GitCredentials.credentials(in: fuzzBytes(start, count), path: "/root/.git-credentials").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
