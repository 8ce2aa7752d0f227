import DiskImage
import FuzzSupport
import GuestFilesystem

/// An ext2/3/4 filesystem: superblock, group descriptors, inodes, extent trees, directories.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzWalk(start, count) { try Ext4FileSystem($0) }
    return 0
}

runFuzzer(fuzzTestOneInput)
