import DiskImage
import FuzzSupport
import GuestScan

/// A kubeconfig: the YAML (Yams) and the `users` entries' secrets.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = Kubeconfig.credentials(in: fuzzBytes(start, count), path: "/root/.kube/config").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
