import DiskImage
import FuzzSupport

/// The guest reader of whatever format the input probes as: opens it, then reads its first and
/// last MiB and a span at an offset the input's last bytes choose.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    let source = MemoryByteSource(bytes)
    guard let (_, disk) = try? ImageInspector(resolver: NoFiles()).openGuest(source, filename: "fuzz.img") else { return 0 }
    let size = disk.size
    let seed = trailingSeed(bytes)
    _ = try? disk.read(at: 0, count: fuzzReadCap)
    _ = try? disk.read(at: size &- min(size, UInt64(fuzzReadCap)), count: fuzzReadCap)
    if size > 0 {
        let offset = seed % size
        _ = try? disk.read(at: offset, count: Int(seed >> 48) % 70_000 + 1)
    }
    _ = try? disk.read(at: size &+ (seed & 0xFFFF), count: 512)
    return 0
}

runFuzzer(fuzzTestOneInput)
