import DiskImage
import Foundation
import GuestFilesystem
import Testing

/// A live root holds at most so many files in koopack's memory: a tree larger than the bound is
/// an error naming the directory, not a scan that grows without end; listing the same directory
/// again numbers nothing new.
struct HostDirectoryBoundsTests {
    @Test func listingPastTheFileBoundIsAnErrorNamingTheDirectory() throws {
        let tree = NSTemporaryDirectory() + "koopack-host-bound-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: tree) }
        for folder in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: tree + "/" + folder, withIntermediateDirectories: true)
            for index in 0..<30 { FileManager.default.createFile(atPath: tree + "/\(folder)/f\(index)", contents: nil) }
        }
        // The root (1) and its two folders (2) and folder a's 30 files fit in 40; b's 30 do not.
        let fs = HostDirectoryFileSystem(directory: tree, maxFiles: 40)
        let top = try fs.directoryEntries(fs.rootInode)
        #expect(top.map(\.name) == ["a", "b"])
        let a = try #require(top.first { $0.name == "a" }), b = try #require(top.first { $0.name == "b" })
        #expect(try fs.directoryEntries(a.inode).count == 30)
        #expect(try fs.directoryEntries(a.inode).count == 30, "listing a folder again counted its files twice")
        #expect(throws: ImageError.self) { try fs.directoryEntries(b.inode) }
        do { _ = try fs.directoryEntries(b.inode) } catch let error as ImageError {
            #expect(error.description.contains(tree + "/b") && error.description.contains("40 files"), "\(error)")
        }
        // Without the small bound the whole tree is read.
        let whole = HostDirectoryFileSystem(directory: tree)
        let entries = try whole.directoryEntries(whole.rootInode)
        #expect(try entries.map { try whole.directoryEntries($0.inode).count } == [30, 30])
    }
}
