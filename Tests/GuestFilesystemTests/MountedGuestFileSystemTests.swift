import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// Path lookup across mounts, as the guest's kernel resolves it after mounting: the mounted
/// filesystem's files appear under the mount point and hide what the root has there, `..` at a
/// mounted root climbs back into the root, and an absolute symlink in a mounted filesystem
/// starts again at the guest's root. Each filesystem is a real ext4 made by mke2fs from a host
/// tree, and each file read is held to the host file it was made from.
@Suite(.enabled(if: Tool.exists("mke2fs"), "needs mke2fs"))
struct MountedGuestFileSystemTests {
    /// An ext4 made from `files` (path → text) under `name` in `scratch`.
    static func ext4(_ files: [String: String], name: String, in scratch: Scratch) throws -> any GuestFileSystem {
        let tree = scratch.file(name + ".d")
        for (path, text) in files { try scratch.write(name + ".d" + path, text) }
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        let image = scratch.file(name)
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-d", tree, image, "8M"])
        return try Ext4FileSystem(FileByteSource(path: image))
    }

    static func text(_ path: String, _ fs: any GuestFileSystem) throws -> String? {
        try GuestPaths.readFile(path, in: fs).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func filesOfAMountedFilesystemAppearUnderItsMountPointAndHideTheRootsOwn() throws {
        let scratch = try Scratch()
        let root = try Self.ext4(["/etc/hostname": "guest\n", "/home/stale.txt": "under the mount\n", "/var/log/.keep": ""],
                                 name: "root.ext4", in: scratch)
        let home = try Self.ext4(["/alice/notes.txt": "alice's notes\n"], name: "home.ext4", in: scratch)
        let log = try Self.ext4(["/auth.log": "Accepted publickey for root\n"], name: "log.ext4", in: scratch)
        let mounted = MountedGuestFileSystem(root: root, mounts: [("/home", home), ("/var/log", log), ("/nowhere", home)])
        #expect(mounted.mountPoints == ["/home", "/var/log"])
        #expect(mounted.skipped.map(\.path) == ["/nowhere"])
        #expect(try Self.text("/home/alice/notes.txt", mounted) == "alice's notes\n")
        #expect(try Self.text("/home/stale.txt", mounted) == nil, "the mount hides the root's /home")
        #expect(try Self.text("/var/log/auth.log", mounted) == "Accepted publickey for root\n")
        #expect(try Self.text("/home/alice/../../etc/hostname", mounted) == "guest\n")
        #expect(try GuestPaths.list("/home", in: mounted)?.map(\.name).sorted() == ["alice", "lost+found"])
        // The root's own inode numbers are unchanged; a mounted file's are not the root's.
        #expect(try GuestPaths.lookup("/etc/hostname", in: mounted) == GuestPaths.lookup("/etc/hostname", in: root))
        #expect(try GuestPaths.lookup("/home/alice/notes.txt", in: mounted) != GuestPaths.lookup("/alice/notes.txt", in: home))
    }

    @Test func anAbsoluteSymlinkInAMountedFilesystemStartsAtTheGuestsRoot() throws {
        let scratch = try Scratch()
        let root = try Self.ext4(["/etc/hostname": "guest\n", "/srv/.keep": ""], name: "root.ext4", in: scratch)
        let srvTree = scratch.file("srv.ext4.d")
        try scratch.write("srv.ext4.d/site/index.html", "<p>hello</p>\n")
        try FileManager.default.createSymbolicLink(atPath: srvTree + "/site/host", withDestinationPath: "/etc/hostname")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-d", srvTree, scratch.file("srv.ext4"), "8M"])
        let srv = try Ext4FileSystem(FileByteSource(path: scratch.file("srv.ext4")))
        let mounted = MountedGuestFileSystem(root: root, mounts: [("/srv", srv)])
        #expect(try Self.text("/srv/site/index.html", mounted) == "<p>hello</p>\n")
        #expect(try Self.text("/srv/site/host", mounted) == "guest\n")
        #expect(try Self.text("/site/host", srv) == nil, "alone, the link points outside its filesystem")
    }
}
