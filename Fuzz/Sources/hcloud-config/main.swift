import DiskImage
import FuzzSupport
import GuestScan

/// KooCLI's `~/.hcloud/config.json`: the JSON, every member's key path, and the key lines.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = KooCLIConfig.credentials(in: fuzzBytes(start, count), path: "/root/.hcloud/config.json").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
