import DiskImage
import GuestFilesystem

/// A guest filesystem held in memory, built from a list of files (directories are made for
/// their paths), so a target can hand fuzzed file contents to the guest scan through the same
/// `GuestFileSystem` interface the ext4, XFS and vfat readers give it.
public struct MemoryGuestFileSystem: GuestFileSystem {
    enum Node: Sendable {
        case file([UInt8])
        case directory([String: UInt64])
    }

    public var kind: FilesystemKind { .ext4 }
    public var rootInode: UInt64 { 1 }
    private var nodes: [UInt64: Node] = [1: .directory([:])]

    /// The files at `files`' absolute paths.
    public init(files: [(path: String, bytes: [UInt8])]) {
        for (path, bytes) in files {
            var directory: UInt64 = 1
            let parts = path.split(separator: "/").map(String.init)
            for (i, part) in parts.enumerated() {
                guard case var .directory(entries) = nodes[directory] else { break }
                if i == parts.count - 1 {
                    let number = UInt64(nodes.count + 1)
                    nodes[number] = .file(bytes)
                    entries[part] = number
                    nodes[directory] = .directory(entries)
                } else if let next = entries[part] {
                    directory = next
                } else {
                    let number = UInt64(nodes.count + 1)
                    nodes[number] = .directory([:])
                    entries[part] = number
                    nodes[directory] = .directory(entries)
                    directory = number
                }
            }
        }
    }

    public func inode(_ number: UInt64) throws -> GuestInode {
        switch nodes[number] {
        case let .file(bytes)?: GuestInode(number: number, type: .regular, size: UInt64(bytes.count), permissions: 0o644, uid: 0, gid: 0)
        case .directory?: GuestInode(number: number, type: .directory, size: 4096, permissions: 0o755, uid: 0, gid: 0)
        case nil: throw ImageError(.invalid, "no inode \(number)")
        }
    }

    public func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry] {
        guard case let .directory(entries)? = nodes[number] else { throw ImageError(.invalid, "inode \(number) is not a directory") }
        return entries.sorted { $0.key < $1.key }.map { name, inode in
            GuestDirectoryEntry(name: name, inode: inode, type: { if case .file = nodes[inode] { return .regular }; return .directory }())
        }
    }

    public func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8] {
        guard case let .file(bytes)? = nodes[number] else { throw ImageError(.invalid, "inode \(number) is not a file") }
        guard offset < UInt64(bytes.count), count > 0 else { return [] }
        return Array(bytes[Int(offset)..<Int(min(UInt64(bytes.count), offset + UInt64(count)))])
    }

    public func symlinkTarget(_ number: UInt64) throws -> String { throw ImageError(.invalid, "inode \(number) is not a symlink") }
}
