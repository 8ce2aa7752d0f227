import DiskImage
import FuzzSupport
import GuestScan

/// `/etc/machine-id`: an ID, empty, `uninitialized` or anything else.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = MachineID.content(fuzzBytes(start, count))
    return 0
}

runFuzzer(fuzzTestOneInput)
