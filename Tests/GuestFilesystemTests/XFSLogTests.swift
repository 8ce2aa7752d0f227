import Foundation
import Testing
import DiskImage
@testable import GuestFilesystem

/// Whether an XFS log needs recovery, held against xfsprogs' own reading of the log
/// (`xfs_logprint -t`, whose `state:` is `<CLEAN>` or `<DIRTY>`, the kernel's `xlog_find_tail`).
@Suite(.enabled(if: Tool.exists("mkfs.xfs", "xfs_logprint"), "needs xfsprogs"))
struct XFSLogTests {
    /// A fresh 300 MiB XFS (mkfs.xfs writes an unmount record) and where xfs_logprint says its
    /// log starts, in 512-byte sectors.
    static func fresh(in scratch: Scratch, options: [String] = []) throws -> (image: String, logSector: UInt64) {
        let image = try scratch.sparse("fs.xfs", size: 300 << 20)
        try Tool.run("mkfs.xfs", ["-q", "-f"] + options + [image])
        let text = try Tool.run("xfs_logprint", ["-d", image])
        let daddr = try #require(text.split(separator: "\n").first { $0.contains("daddr:") })
        let words = daddr.split(separator: " ")
        let index = try #require(words.firstIndex(of: "daddr:"))
        return (image, try #require(UInt64(words[index + 1])))
    }

    /// xfs_logprint's verdict: `CLEAN` or `DIRTY`.
    static func logprintState(_ image: String) throws -> String {
        let text = try Tool.run("xfs_logprint", ["-t", image])
        let line = try #require(text.split(separator: "\n").first { $0.contains("state:") })
        return line.contains("<CLEAN>") ? "CLEAN" : line.contains("<DIRTY>") ? "DIRTY" : String(line)
    }

    @Test(arguments: [[String](), ["-m", "crc=0"], ["-l", "size=64m"]])
    func aFreshFilesystemsLogIsCleanAsXfsLogprintSays(_ options: [String]) throws {
        let scratch = try Scratch()
        guard let (image, _) = try? Self.fresh(in: scratch, options: options) else { return }  // (a v4 mkfs may be refused)
        #expect(try Self.logprintState(image) == "CLEAN")
        #expect(try XFSFileSystem(FileByteSource(path: image)).logState() == .clean)
    }

    @Test func aLastRecordThatIsNotAnUnmountRecordNeedsRecoveryAsXfsLogprintSays() throws {
        let scratch = try Scratch()
        let (image, logSector) = try Self.fresh(in: scratch)
        // The unmount record's operation header is the sector after the record header; clear
        // its XLOG_UNMOUNT_TRANS flag (oh_flags, byte 9).
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
        try handle.seek(toOffset: (logSector + 1) * 512 + 9)
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        #expect(try Self.logprintState(image) == "DIRTY")
        let digest = try Tool.sha256sum(image)
        #expect(try XFSFileSystem(FileByteSource(path: image)).logState() == .needsRecovery)
        #expect(try Tool.sha256sum(image) == digest)
    }
}
