import DiskImage
import Foundation
import Testing
@testable import GuestFilesystem

/// `GuestFilesystems.open` picks the reader by the kind blkid's signature names, on volumes
/// made by mkfs.
@Suite struct GuestFilesystemsTests {
    static let tools = ["mkfs.ext4", "mkfs.xfs", "mkfs.vfat", "mkfs.ext2", "mkswap"].allSatisfy { Tool.exists($0) }

    /// A volume of `megabytes` made by `tool` with `arguments` before the image path.
    static func volume(_ directory: Scratch, _ tool: String, _ arguments: [String], megabytes: UInt64) throws -> FileByteSource {
        let image = try directory.sparse("\(tool).img", size: megabytes << 20)
        _ = try Tool.run(tool, arguments + [image])
        return try FileByteSource(path: image)
    }

    @Test(.enabled(if: tools, "mkfs.ext4, mkfs.ext2, mkfs.xfs, mkfs.vfat or mkswap is not installed"))
    func eachReadableKindOpensWithItsReaderAndTheRestAreNotRead() throws {
        let directory = try Scratch()
        let made: [(tool: String, arguments: [String], megabytes: UInt64, reads: Bool)] = [
            ("mkfs.ext4", ["-q", "-F"], 16, true),
            ("mkfs.ext2", ["-q", "-F"], 16, true),
            ("mkfs.xfs", ["-q", "-f"], 300, true),
            ("mkfs.vfat", [], 16, true),
            ("mkswap", [], 16, false),
        ]
        for volume in made {
            let source = try Self.volume(directory, volume.tool, volume.arguments, megabytes: volume.megabytes)
            let signature = try #require(try FilesystemSignature.detect(in: source, at: 0, length: source.size), "\(volume.tool)")
            #expect(GuestFilesystems.readable.contains(signature.kind) == volume.reads, "\(volume.tool)")
            let fs = try GuestFilesystems.open(source, signature: signature)
            #expect((fs != nil) == volume.reads, "\(volume.tool)")
            if let fs {
                #expect(fs.kind == signature.kind, "\(volume.tool)")
                #expect(try fs.inode(fs.rootInode).type == .directory, "\(volume.tool)")
            }
        }
    }

    @Test func kindsNoReaderReadsGiveNil() throws {
        let blank = MemoryByteSource([UInt8](repeating: 0, count: 1 << 20))
        for kind in FilesystemKind.allCases where !GuestFilesystems.readable.contains(kind) {
            #expect(try GuestFilesystems.open(blank, kind: kind) == nil, "\(kind)")
        }
    }
}
