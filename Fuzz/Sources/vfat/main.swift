import DiskImage
import FuzzSupport
import GuestFilesystem

/// A FAT12/16/32 filesystem: boot sector, FAT chains, long-name directories.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzWalk(start, count) { try VfatFileSystem($0) }
    return 0
}

runFuzzer(fuzzTestOneInput)
