#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DiskImage
import Synchronization

/// A directory of this machine read as a guest's root filesystem (a mounted image, or `/` on the
/// ECS before the image is made), read-only, through the same inode-level interface as the
/// image readers, so the scan's path lookup (`GuestPaths`) resolves every symlink inside the
/// directory as the guest would, never to the host's files: nothing here follows a symlink
/// (`lstat`, `O_NOFOLLOW`). Directories where a pseudo or network filesystem is mounted
/// (`skipped`, from the mount table) read as empty.
public final class HostDirectoryFileSystem: GuestFileSystem {
    /// The directory, without a trailing `/` (empty for `/`).
    public let root: String
    public let kind: FilesystemKind
    public let rootInode: UInt64 = 1
    /// Paths below the root (`/proc`, `/run`...) that are not descended into.
    public let skipped: Set<String>
    /// Guest paths by inode number - 1, numbered as directories are listed, and back.
    private let table = Mutex(PathTable())
    /// Guest paths the host refused to let koopack read (permission denied), in the order met.
    private let refused = Mutex<[String]>([])

    /// Guest paths that could not be read or listed for want of permission (koopack not run as
    /// root): what the scan did not see, each once.
    public var deniedPaths: [String] { refused.withLock { $0 } }

    private struct PathTable {
        var paths = ["/"]
        var numbers = ["/": UInt64(1)]

        mutating func number(_ path: String) -> UInt64 {
            if let known = numbers[path] { return known }
            paths.append(path)
            numbers[path] = UInt64(paths.count)
            return UInt64(paths.count)
        }
    }

    /// Most files numbered in all (every listed directory's entries together): an image's inode
    /// table is bounded by its filesystem, a live root's by this, so listing directory after
    /// directory of a huge tree cannot hold memory without end.
    public static let defaultMaxFiles = 4 * GuestPaths.maxDirectoryEntries
    /// The bound this filesystem keeps (`defaultMaxFiles` unless a test asks for less).
    public let maxFiles: Int

    /// Reads `directory` as a root; `skipped` are guest paths (starting with `/`) not descended.
    public init(directory: String, kind: FilesystemKind = .ext4, skipped: Set<String> = [],
                maxFiles: Int = HostDirectoryFileSystem.defaultMaxFiles) {
        var trimmed = directory
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        root = trimmed
        self.kind = kind
        self.skipped = skipped
        self.maxFiles = maxFiles
    }

    private func guestPath(_ number: UInt64) throws -> String {
        try table.withLock { table in
            let paths = table.paths
            guard number >= 1, number <= UInt64(paths.count) else {
                throw ImageError(.outOfRange, file: root.isEmpty ? "/" : root, "no file numbered \(number) has been listed")
            }
            return paths[Int(number - 1)]
        }
    }

    /// What a read refused by the host says.
    public static let deniedReason = "permission denied (run koopack as root to read it)"

    private func hostPath(_ guest: String) -> String { guest == "/" ? (root.isEmpty ? "/" : root) : root + guest }

    private func failure(_ guest: String, _ what: String) -> ImageError {
        let code = errno
        let denied = code == EACCES || code == EPERM
        if denied { refused.withLock { if !$0.contains(guest) { $0.append(guest) } } }
        let reason = denied ? Self.deniedReason : String(cString: strerror(code))
        return ImageError(.io, file: hostPath(guest), "\(what): \(reason)")
    }

    public func inode(_ number: UInt64) throws -> GuestInode {
        let guest = try guestPath(number)
        var info = stat()
        guard lstat(hostPath(guest), &info) == 0 else { throw failure(guest, "cannot be examined") }
        let type: GuestFileType
        switch info.st_mode & S_IFMT {
        case S_IFREG: type = .regular
        case S_IFDIR: type = .directory
        case S_IFLNK: type = .symlink
        case S_IFCHR: type = .characterDevice
        case S_IFBLK: type = .blockDevice
        case S_IFIFO: type = .fifo
        case S_IFSOCK: type = .socket
        default: type = .unknown
        }
        return GuestInode(number: number, type: type, size: UInt64(max(0, info.st_size)),
                          permissions: UInt16(info.st_mode & 0o7777), uid: info.st_uid, gid: info.st_gid)
    }

    public func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry] {
        let guest = try guestPath(number)
        if skipped.contains(guest) { return [] }
        let descriptor = open(hostPath(guest), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0, let directory = fdopendir(descriptor) else {
            if descriptor >= 0 { close(descriptor) }
            throw failure(guest, "cannot be listed")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory), names.count < GuestPaths.maxDirectoryEntries {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        names.sort()
        let paths = names.map { guest == "/" ? "/" + $0 : guest + "/" + $0 }
        return try table.withLock { table in
            let fresh = paths.reduce(0) { $0 + (table.numbers[$1] == nil ? 1 : 0) }
            guard table.paths.count + fresh <= maxFiles else {
                throw ImageError(.limit, file: hostPath(guest), "listing it would number more than \(maxFiles) files under \(root.isEmpty ? "/" : root), the most koopack reads of a live root")
            }
            return zip(names, paths).map { name, path in GuestDirectoryEntry(name: name, inode: table.number(path), type: nil) }
        }
    }

    public func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8] {
        let guest = try guestPath(number)
        let descriptor = open(hostPath(guest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure(guest, "cannot be read") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ImageError(.invalid, file: hostPath(guest), "is not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: max(0, count))
        var done = 0
        while done < bytes.count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if got < 0 { throw failure(guest, "cannot be read at offset \(offset + UInt64(done))") }
            if got == 0 { break }
            done += got
        }
        return Array(bytes.prefix(done))
    }

    public func symlinkTarget(_ number: UInt64) throws -> String {
        let guest = try guestPath(number)
        var buffer = [CChar](repeating: 0, count: 4097)
        let length = readlink(hostPath(guest), &buffer, 4096)
        guard length >= 0 else { throw failure(guest, "cannot be read as a symlink") }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
