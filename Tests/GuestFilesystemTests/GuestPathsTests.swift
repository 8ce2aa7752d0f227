import Testing
import DiskImage
@testable import GuestFilesystem

/// An in-memory filesystem to pin down path resolution independently of any on-disk format.
struct TreeFileSystem: GuestFileSystem {
    enum Node { case file([UInt8]), directory([String: UInt64]), symlink(String) }
    var nodes: [UInt64: Node]
    // An in-memory tree: any kind will do for path resolution.
    let kind = FilesystemKind.ext4
    let rootInode: UInt64 = 1

    func inode(_ number: UInt64) throws -> GuestInode {
        guard let node = nodes[number] else { throw ImageError(.outOfRange, "inode \(number) out of range") }
        switch node {
        case let .file(bytes): return GuestInode(number: number, type: .regular, size: UInt64(bytes.count), permissions: 0o644, uid: 0, gid: 0)
        case .directory: return GuestInode(number: number, type: .directory, size: 4096, permissions: 0o755, uid: 0, gid: 0)
        case let .symlink(target): return GuestInode(number: number, type: .symlink, size: UInt64(target.utf8.count), permissions: 0o777, uid: 0, gid: 0)
        }
    }
    func directoryEntries(_ number: UInt64) throws -> [GuestDirectoryEntry] {
        guard case let .directory(entries)? = nodes[number] else { return [] }
        return entries.map { GuestDirectoryEntry(name: $0.key, inode: $0.value, type: nil) }
    }
    func read(_ number: UInt64, at offset: UInt64, count: Int) throws -> [UInt8] {
        guard case let .file(bytes)? = nodes[number] else { return [] }
        return Array(bytes.dropFirst(Int(offset)).prefix(count))
    }
    func symlinkTarget(_ number: UInt64) throws -> String {
        guard case let .symlink(target)? = nodes[number] else { throw ImageError(.invalid, "not a symlink") }
        return target
    }
}

@Suite struct GuestPathsTests {
    // /etc/os-release → ../usr/lib/os-release ; /usr/lib/os-release is a file;
    // /escape → ../../../../usr/lib/os-release ; /loop → /loop ; /abs → /usr
    let fs = TreeFileSystem(nodes: [
        1: .directory(["etc": 2, "usr": 3, "escape": 8, "loop": 9, "abs": 10]),
        2: .directory(["os-release": 4]),
        3: .directory(["lib": 5]),
        4: .symlink("../usr/lib/os-release"),
        5: .directory(["os-release": 6]),
        6: .file(Array("ID=debian\n".utf8)),
        8: .symlink("../../../../usr/lib/os-release"),
        9: .symlink("/loop"),
        10: .symlink("/usr"),
    ])

    @Test func aRelativeSymlinkIsFollowedInsideTheGuest() throws {
        #expect(try GuestPaths.readFile("/etc/os-release", in: fs) == Array("ID=debian\n".utf8))
    }

    @Test func dotDotAboveTheRootStaysAtTheGuestsRoot() throws {
        #expect(try GuestPaths.lookup("/escape", in: fs) == 6)
    }

    @Test func anAbsoluteSymlinkRestartsAtTheGuestsRoot() throws {
        #expect(try GuestPaths.lookup("/abs/lib/os-release", in: fs) == 6)
    }

    @Test func aSymlinkLoopIsAnErrorNotAHang() {
        #expect(throws: ImageError.self) { try GuestPaths.lookup("/loop", in: fs) }
    }

    @Test func theLastSymlinkIsKeptWhenAskedNotToFollowIt() throws {
        #expect(try GuestPaths.lookup("/etc/os-release", in: fs, followLast: false) == 4)
    }

    @Test func aMissingComponentIsNil() throws {
        #expect(try GuestPaths.lookup("/etc/shadow", in: fs) == nil)
        #expect(try GuestPaths.readFile("/nope/x", in: fs) == nil)
    }
}
