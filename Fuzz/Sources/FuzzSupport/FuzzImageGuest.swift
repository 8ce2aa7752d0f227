import DiskImage

/// Reads the header of `bytes` with format `name`, opens its guest disk as the command line
/// does, and reads its first 64 KiB, the 64 KiB before `window`'s end and a span at an offset
/// the input's last bytes choose: the path a ZVHD or ZVHD2 export takes through `inspect`,
/// `scan` and `convert`. Reads stay in the disk's first `window` bytes: a ZVHD block far into
/// the disk runs the same inflate-and-skip code as a near one, only more times over (one pass
/// over every record before it), so reading the end of a mutated 1 GiB disk would cost each
/// execution seconds and find nothing the near block does not. Four 2 MiB blocks keep a run
/// to milliseconds while still crossing block boundaries and reaching a block after the first.
public func fuzzFormatGuest(_ name: String, filename: String, _ start: UnsafeRawPointer, _ count: Int,
                            window: UInt64 = 8 << 20) {
    guard let format = ImageFormats.named(name) else { fatalError("no format named \(name)") }
    let bytes = fuzzBytes(start, count)
    let source = MemoryByteSource(bytes)
    let context = InspectContext(filename: filename, resolver: NoFiles())
    guard let info = try? format.inspect(source, context: context) else { return }
    _ = info.json
    guard let disk = try? format.openGuest(source, info: info, context: context, backing: nil) else { return }
    let size = min(disk.size, window)
    let seed = trailingSeed(bytes)
    let span = 64 << 10  // a block is decoded whole whatever the span; copying less keeps runs fast
    _ = try? disk.read(at: 0, count: span)
    _ = try? disk.read(at: size &- min(size, UInt64(span)), count: span)
    if size > 0 { _ = try? disk.read(at: seed % size, count: Int(seed >> 48) % 70_000 + 1) }
    if let sparse = disk as? any ZeroRunSource, size > 0 {
        _ = try? sparse.zeroRun(at: (seed >> 16) % size, limit: window)
    }
}
