import DiskImage
import FuzzSupport
import GuestScan

/// Private key detection: PEM headers (the home scan's `privateKeyKind` too), PGP and PuTTY keys.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = PrivateKeyFile.detect(fuzzBytes(start, count), path: "/etc/ssl/private/k.pem")?.description
    return 0
}

runFuzzer(fuzzTestOneInput)
