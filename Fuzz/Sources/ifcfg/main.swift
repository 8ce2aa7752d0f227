import DiskImage
import FuzzSupport
import GuestScan

/// A Red Hat ifcfg file: shell assignments, HWADDR/MACADDR and static addresses.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = IfcfgFile.pins(in: fuzzBytes(start, count), path: "/etc/sysconfig/network-scripts/ifcfg-eth0").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
