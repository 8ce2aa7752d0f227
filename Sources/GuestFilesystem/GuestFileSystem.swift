import DiskImage

/// What kind of file a guest inode is.
public enum GuestFileType: Sendable, Equatable {
    case regular, directory, symlink, characterDevice, blockDevice, fifo, socket, unknown
}

/// The facts of one guest file that koopack's scan needs.
public struct GuestInode: Sendable, Equatable {
    public var number: UInt64
    public var type: GuestFileType
    public var size: UInt64
    /// Permission bits (the low 12 bits of the mode).
    public var permissions: UInt16
    public var uid: UInt32
    public var gid: UInt32

    public init(number: UInt64, type: GuestFileType, size: UInt64, permissions: UInt16, uid: UInt32, gid: UInt32) {
        self.number = number
        self.type = type
        self.size = size
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
    }
}

/// One entry of a guest directory.
public struct GuestDirectoryEntry: Sendable, Equatable {
    public var name: String
    public var inode: UInt64
    /// The type the directory entry records, when the filesystem records one.
    public var type: GuestFileType?

    public init(name: String, inode: UInt64, type: GuestFileType?) {
        self.name = name
        self.inode = inode
        self.type = type
    }
}

/// A read-only filesystem inside a guest disk, read at the level of inodes. Each filesystem
/// (ext2/3/4, XFS, vfat) implements this; path lookup, symlinks and whole-file reads are shared
/// (`GuestPaths`), so every filesystem resolves paths the same way and never outside itself.
public protocol GuestFileSystem: Sendable {
    /// `ext4`, `xfs`, `vfat`, ...
    var kind: FilesystemKind { get }
    /// The root directory's inode number.
    var rootInode: UInt64 { get }
    /// The inode `number`. Throws `ImageError` when it is out of range or damaged.
    func inode(_ number: UInt64) throws -> GuestInode
    /// Every entry of directory `number` (without `.` and `..`), capped at
    /// `GuestPaths.maxDirectoryEntries`.
    func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry]
    /// Up to `count` bytes of regular file `number` from `offset` (holes read as zeros).
    func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8]
    /// The target of symlink `number`.
    func symlinkTarget(_ number: UInt64) throws -> String
}

extension GuestFileType {
    /// The type a directory entry records as a file-type code, the numbering ext2/3/4
    /// (`EXT4_FT_*`) and XFS (`XFS_DIR3_FT_*`) share: 1 regular file ... 7 symlink. Nil for 0
    /// (unknown) and anything else.
    public init?(directoryEntryCode code: UInt8) {
        switch code {
        case 1: self = .regular
        case 2: self = .directory
        case 3: self = .characterDevice
        case 4: self = .blockDevice
        case 5: self = .fifo
        case 6: self = .socket
        case 7: self = .symlink
        default: return nil
        }
    }
}
