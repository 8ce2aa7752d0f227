import DiskImage

/// Path lookup over any `GuestFileSystem`, the way the guest's kernel would resolve it, but
/// confined to the guest: absolute symlinks restart at the guest's root, `..` at the root stays
/// there, and symlink chains are bounded.
public enum GuestPaths {
    /// Most symlinks followed in one lookup, as Linux's ELOOP limit.
    public static let maxSymlinks = 40
    /// Most path components walked in one lookup (symlink targets included).
    public static let maxComponents = 4096
    /// Most entries read from one directory: a damaged directory cannot make koopack list forever.
    public static let maxDirectoryEntries = 1_000_000
    /// Largest file `readFile` returns whole; callers that need more read in pieces.
    public static let maxWholeFile = 64 << 20
    /// Longest symlink target accepted (Linux's PATH_MAX).
    public static let maxSymlinkTarget = 4096

    /// The inode number of `path` (absolute, inside the guest), following symlinks in every
    /// component, and in the last one when `followLast`. nil when a component does not exist.
    public static func lookup(_ path: String, in fs: any GuestFileSystem, followLast: Bool = true) throws -> UInt64? {
        var pending = components(path).reversed() as [String]
        var stack: [UInt64] = [fs.rootInode]  // directories from the root to the current one
        var symlinks = 0
        var steps = 0
        while let name = pending.popLast() {
            steps += 1
            guard steps <= maxComponents else { throw ImageError(.limit, "\(path): more than \(maxComponents) path components") }
            if name == "." { continue }
            if name == ".." {
                if stack.count > 1 { stack.removeLast() }
                continue
            }
            guard let directory = stack.last else { return nil }
            let directoryInode = try fs.inode(directory)
            guard directoryInode.type == .directory else { return nil }
            guard let entry = try fs.directoryEntries(directory).first(where: { $0.name == name }) else { return nil }
            let node = try fs.inode(entry.inode)
            let isLast = pending.isEmpty
            if node.type == .symlink && (!isLast || followLast) {
                symlinks += 1
                guard symlinks <= maxSymlinks else {
                    throw ImageError(.loop, "\(path): more than \(maxSymlinks) symbolic links (a loop?)")
                }
                let target = try fs.symlinkTarget(entry.inode)
                if target.hasPrefix("/") { stack = [fs.rootInode] }
                pending.append(contentsOf: components(target).reversed())
                continue
            }
            stack.append(entry.inode)
        }
        return stack.last
    }

    /// The whole content of the regular file at `path`, or nil when it does not exist or is not
    /// a regular file. Throws when it is larger than `limit`.
    public static func readFile(_ path: String, in fs: any GuestFileSystem, limit: Int = maxWholeFile) throws -> [UInt8]? {
        guard let number = try lookup(path, in: fs) else { return nil }
        let node = try fs.inode(number)
        guard node.type == .regular else { return nil }
        guard node.size <= UInt64(limit) else {
            throw ImageError(.limit, "\(path) is \(node.size) bytes, more than the \(limit) bytes koopack reads whole")
        }
        return try fs.read(number, at: 0, count: Int(node.size))
    }

    /// The entries of the directory at `path`, or nil when it does not exist or is not one.
    public static func list(_ path: String, in fs: any GuestFileSystem) throws -> [GuestDirectoryEntry]? {
        guard let number = try lookup(path, in: fs) else { return nil }
        guard try fs.inode(number).type == .directory else { return nil }
        return try fs.directoryEntries(number)
    }

    /// The inode facts of `path` (following symlinks), or nil.
    public static func stat(_ path: String, in fs: any GuestFileSystem) throws -> GuestInode? {
        guard let number = try lookup(path, in: fs) else { return nil }
        return try fs.inode(number)
    }

    private static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
