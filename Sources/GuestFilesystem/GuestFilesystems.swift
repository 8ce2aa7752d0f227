import DiskImage

/// Picks and opens the reader for a guest volume (a partition, a logical volume or a whole
/// unpartitioned disk): the one place that knows which filesystem kinds koopack reads files
/// from, and which reader reads each.
public enum GuestFilesystems {
    /// The kinds koopack reads files from.
    public static let readable: Set<FilesystemKind> = [.ext2, .ext3, .ext4, .xfs, .vfat]

    /// Opens the filesystem of `kind` on `volume`; nil when koopack does not read that kind
    /// (NTFS, btrfs, LUKS, swap, ...). Throws `ImageError` when the filesystem is damaged.
    public static func open(_ volume: any ByteSource, kind: FilesystemKind) throws -> (any GuestFileSystem)? {
        switch kind {
        case .ext2, .ext3, .ext4: return try Ext4FileSystem(volume)
        case .xfs: return try XFSFileSystem(volume)
        case .vfat: return try VfatFileSystem(volume)
        case .btrfs, .exfat, .ntfs, .swap, .lvm2Member, .cryptoLUKS, .iso9660: return nil
        }
    }

    /// Opens the filesystem `signature` names on `volume` (see `open(_:kind:)`).
    public static func open(_ volume: any ByteSource, signature: FilesystemSignature) throws -> (any GuestFileSystem)? {
        try open(volume, kind: signature.kind)
    }
}
