import DiskImage
import FuzzSupport
import GuestScan

/// A NetworkManager keyfile: INI sections, MAC addresses, manual IPv4.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = NetworkManagerKeyfile.pins(in: fuzzBytes(start, count), path: "/etc/NetworkManager/system-connections/x.nmconnection").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
