import DiskImage
import FuzzSupport

/// UUIDs and labels of every filesystem kind, read from the input as that kind's volume.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let volume = MemoryByteSource(fuzzBytes(start, count))
    for kind in ["ext4", "xfs", "btrfs", "swap", "vfat", "ntfs", "exfat", "LVM2_member", "crypto_LUKS", "iso9660"] {
        _ = try? FilesystemIdentity.read(kind: kind, in: volume)
    }
    _ = FilesystemIdentity.mbrPartitionUUID(diskID: "0x" + String(trailingSeed(fuzzBytes(start, count)) & 0xFFFF_FFFF, radix: 16), partition: count % 300)
    return 0
}

runFuzzer(fuzzTestOneInput)
