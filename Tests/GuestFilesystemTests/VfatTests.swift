import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// A real FAT volume made by mkfs.vfat and filled with mtools' mcopy, with the bytes every file
/// should read as.
final class VfatFixture: @unchecked Sendable {
    let directory: Scratch
    let image: String
    var files: [String: [UInt8]] = [:]

    static var available: Bool {
        Tool.path("mkfs.vfat") != nil && Tool.path("mcopy") != nil
            && Tool.path("mdel") != nil
    }
    static let mtoolsEnvironment = ["MTOOLS_SKIP_CHECK": "1", "LC_ALL": "C.UTF-8"]

    /// - Parameters: fatBits: 12, 16 or 32; kibibytes: the volume size mkfs.vfat -C makes.
    init(fatBits: Int, kibibytes: Int) throws {
        directory = try Scratch()
        image = directory.file("fat.img")
        try Tool.run("mkfs.vfat", ["-C", "-F", "\(fatBits)", image, "\(kibibytes)"])
        var tree: [String: [UInt8]] = [
            "/etc/os-release": Array("ID=windows-ish\nVERSION_ID=1\n".utf8),
            "/Long File Name With Spaces.txt": Array("long name\n".utf8),
            "/café-ünïcödé-long-name.txt": Array("unicode\n".utf8),
            "/lower.txt": Array("lower\n".utf8),
            "/UPPER.TXT": Array("upper\n".utf8),
            "/EFI/BOOT/BOOTX64.EFI": FilesystemFixture.pattern(300_000, seed: 3),
            "/empty": [],
        ]
        for i in 0..<120 { tree["/many/a fairly long file name number \(i).data"] = Array("entry \(i)\n".utf8) }
        for (path, bytes) in tree {
            try directory.write("src" + path, bytes)
        }
        let top = try FileManager.default.contentsOfDirectory(atPath: directory.file("src")).map { directory.file("src/" + $0) }
        try Tool.run("mcopy", ["-i", image, "-s"] + top + ["::/"], environment: Self.mtoolsEnvironment)
        // Fragment a file: fill, free a gap between two files, then write a file larger than the gap.
        let a = try directory.write("frag/a.bin", FilesystemFixture.pattern(40_000, seed: 21))
        let b = try directory.write("frag/b.bin", FilesystemFixture.pattern(40_000, seed: 22))
        let c = try directory.write("frag/c.bin", FilesystemFixture.pattern(40_000, seed: 23))
        try Tool.run("mcopy", ["-i", image, a, b, c, "::/"], environment: Self.mtoolsEnvironment)
        try Tool.run("mdel", ["-i", image, "::/b.bin"], environment: Self.mtoolsEnvironment)
        let fragmented = FilesystemFixture.pattern(100_000, seed: 24)
        let d = try directory.write("frag/fragmented.bin", fragmented)
        try Tool.run("mcopy", ["-i", image, d, "::/"], environment: Self.mtoolsEnvironment)
        tree["/a.bin"] = FilesystemFixture.pattern(40_000, seed: 21)
        tree["/c.bin"] = FilesystemFixture.pattern(40_000, seed: 23)
        tree["/fragmented.bin"] = fragmented
        files = tree
    }
}

@Suite struct VfatTests {
    func checkEveryFile(fatBits: Int, kibibytes: Int) throws {
        let fixture = try VfatFixture(fatBits: fatBits, kibibytes: kibibytes)
        let fs = try VfatFileSystem(FileByteSource(path: fixture.image))
        #expect(fs.kind.rawValue == "vfat")
        #expect(fs.boot.fatBits == fatBits)
        for (path, expected) in fixture.files {
            #expect(try GuestPaths.readFile(path, in: fs) == expected, "\(path)")
        }
        let root = try #require(try GuestPaths.list("/", in: fs))
        #expect(Set(root.map(\.name)) == ["etc", "Long File Name With Spaces.txt", "café-ünïcödé-long-name.txt",
                                          "lower.txt", "UPPER.TXT", "EFI", "empty", "many", "a.bin", "c.bin", "fragmented.bin"])
        let many = try #require(try GuestPaths.list("/many", in: fs))
        #expect(many.count == 120)
        #expect(try GuestPaths.stat("/EFI/BOOT", in: fs)?.type == .directory)
        #expect(try GuestPaths.lookup("/EFI/BOOT/..", in: fs).map { try fs.inode($0).type } == .directory)
        #expect(try GuestPaths.stat("/EFI/BOOT/BOOTX64.EFI", in: fs)?.size == 300_000)
        // Odd-offset reads that cross cluster boundaries of the fragmented file.
        let number = try #require(try GuestPaths.lookup("/fragmented.bin", in: fs))
        let expected = try #require(fixture.files["/fragmented.bin"])
        for (offset, count) in [(511, 2), (39_999, 5000), (41_000, 59_000), (99_999, 10)] {
            #expect(try fs.read(number, at: UInt64(offset), count: count) == Array(expected[offset..<min(expected.count, offset + count)]))
        }
    }

    @Test(.enabled(if: VfatFixture.available, "mkfs.vfat or mtools is not installed"))
    func aFAT12VolumeReadsEveryCopiedFile() throws { try checkEveryFile(fatBits: 12, kibibytes: 2000) }

    @Test(.enabled(if: VfatFixture.available, "mkfs.vfat or mtools is not installed"))
    func aFAT16VolumeReadsEveryCopiedFile() throws { try checkEveryFile(fatBits: 16, kibibytes: 33000) }

    @Test(.enabled(if: VfatFixture.available, "mkfs.vfat or mtools is not installed"))
    func aFAT32VolumeReadsEveryCopiedFile() throws { try checkEveryFile(fatBits: 32, kibibytes: 70000) }
}
