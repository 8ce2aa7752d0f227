import DiskImage
import FuzzSupport
import ReleasePolicy

/// A policy profile in YAML.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = try? PolicyProfile.load(yaml: text, file: "profile.yaml")
    return 0
}

runFuzzer(fuzzTestOneInput)
