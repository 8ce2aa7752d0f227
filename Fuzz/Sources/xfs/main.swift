import DiskImage
import FuzzSupport
import GuestFilesystem

/// An XFS filesystem: superblock, inodes, extent lists and B+trees, directories.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzWalk(start, count) { try XFSFileSystem($0) }
    return 0
}

runFuzzer(fuzzTestOneInput)
