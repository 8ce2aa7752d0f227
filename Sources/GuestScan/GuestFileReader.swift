import DiskImage
import GuestFilesystem

/// Bounded reads of the guest's root filesystem for the scan. Every read has a limit; a file
/// that cannot be read (a damaged inode, a symlink loop) becomes a warning, not an error, so the
/// rest of the scan still runs.
final class GuestFileReader {
    let fs: any GuestFileSystem
    /// What could not be read, in the order met.
    private(set) var warnings: [String] = []
    /// Most warnings kept: a badly damaged filesystem cannot flood the report.
    static let maxWarnings = 100

    init(_ fs: any GuestFileSystem) { self.fs = fs }

    /// Records `problem` unless the warning list is full.
    func warn(_ problem: String) {
        if warnings.count < Self.maxWarnings { warnings.append(problem) }
    }

    /// The inode of `path` following symlinks (nil when absent or unreadable).
    func stat(_ path: String) -> GuestInode? {
        attempt(path) { try GuestPaths.stat(path, in: fs) } ?? nil
    }

    /// The inode of `path` without following a final symlink.
    func lstat(_ path: String) -> GuestInode? {
        attempt(path) { () -> GuestInode? in
            guard let number = try GuestPaths.lookup(path, in: fs, followLast: false) else { return nil }
            return try fs.inode(number)
        } ?? nil
    }

    /// The first `limit` bytes of the regular file `path` and its full size, nil when it is
    /// absent or not a regular file.
    func readPrefix(_ path: String, limit: Int) -> (bytes: [UInt8], size: UInt64)? {
        attempt(path) { () -> (bytes: [UInt8], size: UInt64)? in
            guard let number = try GuestPaths.lookup(path, in: fs) else { return nil }
            let node = try fs.inode(number)
            guard node.type == .regular else { return nil }
            let count = Int(min(node.size, UInt64(max(0, limit))))
            return (try fs.read(number, at: 0, count: count), node.size)
        } ?? nil
    }

    /// The whole regular file `path` when it is at most `limit` bytes; a larger file is a warning
    /// and nil, since a parser given a truncated file would give a wrong answer.
    func readWhole(_ path: String, limit: Int) -> [UInt8]? {
        guard let (bytes, size) = readPrefix(path, limit: limit) else { return nil }
        guard size <= UInt64(limit) else {
            warn("\(path) is \(size) bytes, more than the \(limit) bytes koopack reads; it was not read")
            return nil
        }
        return bytes
    }

    /// The entries of directory `path`, nil when it is absent or not a directory.
    func list(_ path: String) -> [GuestDirectoryEntry]? {
        attempt(path) { try GuestPaths.list(path, in: fs) } ?? nil
    }

    private func attempt<T>(_ path: String, _ body: () throws -> T) -> T? {
        do { return try body() } catch {
            warn("\(path): \((error as? ImageError)?.message ?? "\(error)")")
            return nil
        }
    }

    /// `directory` + `/` + `name`, without doubling the slash at the root.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
