import DiskImage
import FuzzSupport

/// The guest view of a raw disk: MBR, GPT and the filesystem signatures of each partition.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let disk = MemoryByteSource(fuzzBytes(start, count))
    _ = try? GuestView.read(from: disk)
    return 0
}

runFuzzer(fuzzTestOneInput)
