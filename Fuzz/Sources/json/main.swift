import DiskImage
import FuzzSupport

/// The JSON parser (IMS metadata, LUKS2 headers, image lists).
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = try? JSONParser.parse(fuzzBytes(start, count), maximumInputBytes: 16 << 20)
    return 0
}

runFuzzer(fuzzTestOneInput)
