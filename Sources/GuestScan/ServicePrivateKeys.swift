import DiskImage
import GuestFilesystem

/// KG416's search: private keys outside the homes, where services keep them
/// (`PrivateKeyFile.serviceDirectories`). A bounded walk: regular files of at most
/// `PrivateKeyFile.maxFileBytes` are opened (their first `PrivateKeyFile.probeBytes`), at most
/// `PrivateKeyFile.maxFilesLookedAt` files are looked at in all, symlinks are not followed (a
/// link into a home or /etc/ssh would report a file twice or where it is not), and the SSH host
/// keys (KG405's) are never reported.
public enum ServicePrivateKeys {
    /// Deepest directory level searched below each service directory.
    public static let maxDepth = 16

    /// What the search found, and whether it stopped at its bound before looking at everything.
    public struct Result: Sendable, Equatable {
        public var keys: [PrivateKeyHit]
        /// Files examined (inode read), up to `PrivateKeyFile.maxFilesLookedAt`.
        public var filesLookedAt: Int
        /// True when the bound stopped the search: there may be keys it did not see.
        public var truncated: Bool
        /// Paths that could not be read (a damaged inode), which the search went past.
        public var unreadable: [String]
    }

    /// Searches `directories` (by default the service directories) of the guest `fs`.
    public static func find(in fs: any GuestFileSystem,
                            directories: [String] = PrivateKeyFile.serviceDirectories) -> Result {
        var result = Result(keys: [], filesLookedAt: 0, truncated: false, unreadable: [])
        var pending: [(path: String, depth: Int)] = directories.reversed().map { ($0, 0) }
        var visited: Set<UInt64> = []
        while let (directory, depth) = pending.popLast() {
            let entries: [GuestDirectoryEntry]
            do {
                guard let node = try GuestPaths.lookup(directory, in: fs, followLast: false),
                      try fs.inode(node).type == .directory, visited.insert(node).inserted,
                      let listed = try GuestPaths.list(directory, in: fs) else { continue }
                entries = listed
            } catch {
                result.unreadable.append(directory)
                continue
            }
            var subdirectories: [(String, Int)] = []
            for entry in entries.sorted(by: { $0.name < $1.name }) {
                let path = directory.hasSuffix("/") ? directory + entry.name : directory + "/" + entry.name
                guard result.filesLookedAt < PrivateKeyFile.maxFilesLookedAt else {
                    result.truncated = true
                    return result
                }
                result.filesLookedAt += 1
                guard let node = try? fs.inode(entry.inode) else {
                    result.unreadable.append(path)
                    continue
                }
                switch node.type {
                case .directory where depth < maxDepth:
                    subdirectories.append((path, depth + 1))
                case .regular where node.size > 0 && node.size <= PrivateKeyFile.maxFileBytes && !isSSHHostKey(path):
                    guard let head = try? fs.read(entry.inode, at: 0, count: PrivateKeyFile.probeBytes) else {
                        result.unreadable.append(path)
                        continue
                    }
                    if let hit = PrivateKeyFile.detect(head, path: path) { result.keys.append(hit) }
                default:
                    break
                }
            }
            pending += subdirectories.reversed()
        }
        return result
    }

    /// `/etc/ssh/ssh_host_*_key`: the host's own keys, which KG405 reports.
    static func isSSHHostKey(_ path: String) -> Bool {
        path.hasPrefix("/etc/ssh/ssh_host_") && path.hasSuffix("_key") && !path.dropFirst(9).contains("/")
    }
}
