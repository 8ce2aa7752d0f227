import DiskImage
import FuzzSupport
import GuestScan

/// udev rules: continuations, `KEY op "value"` pairs, MAC matches.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = UdevNetRules.pins(in: fuzzBytes(start, count), path: "/etc/udev/rules.d/70-persistent-net.rules").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
