import DiskImage

/// A guest's root filesystem with its other filesystems mounted where the guest mounts them
/// (`/home`, `/var`, `/boot` from its fstab): one `GuestFileSystem` that a path lookup walks
/// across, as the guest's kernel would after mounting. Read-only like its parts.
///
/// Inode numbers carry the filesystem they belong to in their top byte (0 for the root, so the
/// root's own numbers are unchanged); a directory entry that is a mount point gives the mounted
/// filesystem's root instead of the directory beneath it, which is hidden, as a mount hides it.
public struct MountedGuestFileSystem: GuestFileSystem {
    /// Most filesystems mounted over the root: a guest mounts a handful.
    public static let maxMounts = 254
    /// Bits of an inode number left to the filesystem it belongs to.
    static let inodeBits: UInt64 = 56

    /// The root filesystem first, then each mounted one in the order mounted.
    public let filesystems: [any GuestFileSystem]
    /// Where each filesystem after the root is mounted (`/home`), in the order mounted.
    public let mountPoints: [String]
    /// Encoded inode of a directory that is a mount point → the index of the filesystem mounted on it.
    private let mountedOn: [UInt64: Int]

    /// The root filesystem and the filesystems mounted on it, as (absolute path, filesystem),
    /// mounted in the order given (a parent before what is mounted inside it). A mount whose
    /// point is not a directory in the tree built so far, or that would mount on the root, is
    /// left out and named in `skipped` with the reason.
    public init(root: any GuestFileSystem, mounts: [(path: String, filesystem: any GuestFileSystem)]) {
        var built = MountedGuestFileSystem(filesystems: [root], mountPoints: [], mountedOn: [:])
        var skipped: [(String, String)] = []
        for mount in mounts {
            guard built.filesystems.count <= Self.maxMounts else {
                skipped.append((mount.path, "more than \(Self.maxMounts) filesystems are mounted"))
                continue
            }
            do {
                guard let point = try GuestPaths.lookup(mount.path, in: built), point != built.rootInode,
                      try built.inode(point).type == .directory else {
                    skipped.append((mount.path, "the mount point is not a directory of the guest"))
                    continue
                }
                var mountedOn = built.mountedOn
                // Mounting again on a mount point hides the earlier mount, as Linux does.
                mountedOn[built.underlying(point)] = built.filesystems.count
                built = MountedGuestFileSystem(filesystems: built.filesystems + [mount.filesystem],
                                               mountPoints: built.mountPoints + [mount.path], mountedOn: mountedOn)
            } catch {
                skipped.append((mount.path, (error as? ImageError)?.message ?? "\(error)"))
            }
        }
        self = built
        self.skipped = skipped
    }

    /// Mounts left out, with why.
    public private(set) var skipped: [(path: String, reason: String)] = []

    private init(filesystems: [any GuestFileSystem], mountPoints: [String], mountedOn: [UInt64: Int]) {
        self.filesystems = filesystems
        self.mountPoints = mountPoints
        self.mountedOn = mountedOn
    }

    public var kind: FilesystemKind { filesystems[0].kind }
    public var rootInode: UInt64 { filesystems[0].rootInode }

    public func inode(_ number: UInt64) throws -> GuestInode {
        let (fs, inner) = try split(number)
        var node = try filesystems[fs].inode(inner)
        node.number = number
        return node
    }

    public func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry] {
        let (fs, inner) = try split(number)
        return try filesystems[fs].directoryEntries(inner).map { entry in
            var entry = entry
            guard entry.inode >> Self.inodeBits == 0 else {
                throw ImageError(.outOfRange, "inode \(entry.inode) is too large to be mounted beside other filesystems")
            }
            let encoded = Self.encode(fs, entry.inode)
            if let mounted = mountedOn[encoded] {
                entry.inode = Self.encode(mounted, filesystems[mounted].rootInode)
                entry.type = .directory
            } else {
                entry.inode = encoded
            }
            return entry
        }
    }

    public func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8] {
        let (fs, inner) = try split(number)
        return try filesystems[fs].read(inner, at: offset, count: count)
    }

    public func symlinkTarget(_ number: UInt64) throws -> String {
        let (fs, inner) = try split(number)
        return try filesystems[fs].symlinkTarget(inner)
    }

    /// The encoded number of the directory a lookup landed on, as its own filesystem's entry
    /// names it: a mounted root stands for the directory it is mounted on, and mounting again
    /// there replaces the mount.
    private func underlying(_ number: UInt64) -> UInt64 {
        let index = Int(number >> Self.inodeBits)
        guard index > 0, number & ((1 << Self.inodeBits) - 1) == filesystems[index].rootInode,
              let point = mountedOn.first(where: { $0.value == index })?.key else { return number }
        return point
    }

    static func encode(_ fs: Int, _ inode: UInt64) -> UInt64 { UInt64(fs) << inodeBits | inode }

    private func split(_ number: UInt64) throws -> (Int, UInt64) {
        let fs = Int(number >> Self.inodeBits)
        let inner = number & ((1 << Self.inodeBits) - 1)
        guard fs < filesystems.count else {
            throw ImageError(.outOfRange, "inode \(number) names no mounted filesystem")
        }
        return (fs, inner)
    }
}
