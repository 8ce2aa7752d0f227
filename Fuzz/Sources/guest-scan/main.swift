import DiskImage
import FuzzSupport
import GuestScan

/// The whole scan of a guest disk: guest view, root filesystem, the names of every volume, the
/// filesystems the root's fstab and mount units mount (`GuestMounts`, `MountedGuestFileSystem`)
/// and every KG4xx rule over the result.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let report = GuestScanner.scan(disk: MemoryByteSource(fuzzBytes(start, count)), metadata: nil,
                                   today: LifecycleDate(2026, 1, 1))
    _ = report.findings.map(\.description).joined().count + report.warnings.count + report.mounted.count
    return 0
}

runFuzzer(fuzzTestOneInput)
