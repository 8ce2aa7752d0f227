import DiskImage
import FuzzSupport

/// The command line's `inspect`: every probe, then the winner's header reader.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let source = MemoryByteSource(fuzzBytes(start, count))
    if let info = try? ImageInspector(resolver: NoFiles()).inspectHeader(source, filename: "fuzz.img") {
        _ = info.json
    }
    return 0
}

runFuzzer(fuzzTestOneInput)
