import DiskImage
import FuzzSupport
import GuestFilesystem

/// An XFS log's state (KG410's note): the superblock's log position, the binary search for the
/// head over the cycle numbers, and the record header and operation before it.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let fs = try? XFSFileSystem(MemoryByteSource(fuzzBytes(start, count))) else { return 0 }
    _ = fs.logState()
    return 0
}

runFuzzer(fuzzTestOneInput)
