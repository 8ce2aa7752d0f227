import DiskImage
import FuzzSupport
import GuestScan

/// Docker's `~/.docker/config.json`: the `auths` entries.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = DockerConfig.credentials(in: fuzzBytes(start, count), path: "/root/.docker/config.json").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
