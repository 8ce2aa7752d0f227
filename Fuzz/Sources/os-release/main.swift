import DiskImage
import FuzzSupport
import GuestScan

/// `/etc/os-release` (shell-style quoting), then the end-of-life tables it is judged by.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let release = OSRelease.parse(fuzzBytes(start, count))
    _ = OSLifecycles.endOfLife(osRelease: release, today: LifecycleDate(2026, 12, 1))?.description
    return 0
}

runFuzzer(fuzzTestOneInput)
