import Foundation

/// Makes an ext4 journal's transaction uncommitted, for the tests that hold koopack's journal
/// replay to the kernel's rule (a transaction without its commit block is not replayed).
public enum JournalCommit {
    /// Zeroes the first commit block of `image`'s journal (a 4 KiB-block ext4 filesystem image),
    /// found where debugfs places it: `logdump` gives the commit block's log block, `bmap` of
    /// the journal inode (8) its block in the filesystem.
    public static func zeroFirst(in image: String) throws {
        let log = try Tool.run("debugfs", ["-R", "logdump", image])
        guard let commitLine = log.split(separator: "\n").first(where: { $0.contains("(commit block)") }),
              let logBlock = commitLine.split(separator: " ").last.flatMap({ Int($0) }) else {
            throw TestFailure("debugfs logdump of \(image) shows no commit block")
        }
        let mapped = try Tool.run("debugfs", ["-R", "bmap <8> \(logBlock)", image])
        guard let physical = Int(mapped.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("debugfs bmap of log block \(logBlock) in \(image) gave \(mapped)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
        try handle.seek(toOffset: UInt64(physical) * 4096)
        try handle.write(contentsOf: Data(count: 4096))
        try handle.close()
    }
}
