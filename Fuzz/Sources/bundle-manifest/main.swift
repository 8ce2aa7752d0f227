import DiskImage
import FuzzSupport
import ReleaseBundle

/// A release bundle's manifest (`koopack verify`): JSON, paths, checksums and days.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = try? BundleManifest.parse(fuzzBytes(start, count), file: "bundle.json")
    return 0
}

runFuzzer(fuzzTestOneInput)
