import DiskImage
import FuzzSupport
import GuestScan

/// The names of every volume of a disk (KG414): guest view, identities, LVM volumes.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let disk = MemoryByteSource(fuzzBytes(start, count))
    guard let view = try? GuestView.read(from: disk) else { return 0 }
    _ = ImageIdentities.read(disk: disk, view: view)
    return 0
}

runFuzzer(fuzzTestOneInput)
