import DiskImage
import FuzzSupport
import GuestScan

/// A systemd mount or swap unit: `What=`, `Where=`, `Options=`.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = SystemdMountUnit.reference(in: fuzzBytes(start, count), path: "/etc/systemd/system/data.mount")?.description
    return 0
}

runFuzzer(fuzzTestOneInput)
