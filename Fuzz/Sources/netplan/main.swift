import DiskImage
import FuzzSupport
import GuestScan

/// A netplan YAML file (Yams): MAC matches and static addresses.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = NetplanConfig.pins(in: fuzzBytes(start, count), path: "/etc/netplan/50-cloud-init.yaml").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
