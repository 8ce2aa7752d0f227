import DiskImage
import FuzzSupport
import GuestFilesystem

/// An LVM2 physical volume: label, metadata area, the metadata text, and each logical volume's
/// segments, read at their first and last bytes and walked as ext4 when they hold one.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let source = MemoryByteSource(fuzzBytes(start, count))
    guard LVM2PhysicalVolume.probe(source), let pv = try? LVM2PhysicalVolume(source) else { return 0 }
    for volume in pv.logicalVolumes().prefix(8) {
        guard let disk = try? pv.open(volume) else { continue }
        _ = try? disk.read(at: 0, count: 4096)
        _ = try? disk.read(at: disk.size &- min(disk.size, 4096), count: 4096)
        if let fs = try? Ext4FileSystem(disk) { walk(fs) }
    }
    return 0
}

runFuzzer(fuzzTestOneInput)
