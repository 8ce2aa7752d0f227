import DiskImage
import FuzzSupport
import GuestFilesystem

/// An ext4 filesystem whose journal needs recovery: the jbd2 superblock, descriptor, revoke and commit
/// blocks, checksums, and reads through the replayed blocks.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    fuzzWalk(start, count) { try Ext4FileSystem($0) }
    return 0
}

runFuzzer(fuzzTestOneInput)
