import DiskImage

/// Reads the header of `bytes` with format `name`, opens its guest disk as the command line
/// does, and reads its first and last MiB and a span at an offset the input's last bytes
/// choose: the path a ZVHD or ZVHD2 export takes through `inspect`, `scan` and `convert`.
public func fuzzFormatGuest(_ name: String, filename: String, _ start: UnsafeRawPointer, _ count: Int) {
    guard let format = ImageFormats.named(name) else { fatalError("no format named \(name)") }
    let bytes = fuzzBytes(start, count)
    let source = MemoryByteSource(bytes)
    let context = InspectContext(filename: filename, resolver: NoFiles())
    guard let info = try? format.inspect(source, context: context) else { return }
    _ = info.json
    guard let disk = try? format.openGuest(source, info: info, context: context, backing: nil) else { return }
    let size = disk.size
    let seed = trailingSeed(bytes)
    let span = 64 << 10  // a block is decoded whole whatever the span; copying less keeps runs fast
    _ = try? disk.read(at: 0, count: span)
    _ = try? disk.read(at: size &- min(size, UInt64(span)), count: span)
    if size > 0 { _ = try? disk.read(at: seed % size, count: Int(seed >> 48) % 70_000 + 1) }
    if let sparse = disk as? any ZeroRunSource, size > 0 {
        _ = try? sparse.zeroRun(at: (seed >> 16) % size, limit: 64 << 20)
    }
}
