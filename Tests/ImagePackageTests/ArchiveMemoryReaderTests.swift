import DiskImage
import Foundation
import ImagePackage
import Testing

/// The in-memory archive reader lists the same members as the file reader, and turns bytes that
/// are no archive into an `ImageError` rather than a trap.
@Suite struct ArchiveMemoryReaderTests {
    static let docx = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/releases/example/documents/eula.docx").path

    @Test func anArchiveInMemoryListsTheSameMembersAsTheSameArchiveOnDisk() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.docx)))
        let keep: (String, UInt64) -> Bool = { name, _ in name == "word/document.xml" }
        let fromFile = try ArchiveReader.members(ofArchiveAt: Self.docx, wantWhole: keep)
        let fromMemory = try ArchiveReader.members(ofArchiveBytes: bytes, wantWhole: keep)
        #expect(fromMemory.map(\.path) == fromFile.map(\.path))
        #expect(fromMemory.map(\.size) == fromFile.map(\.size))
        #expect(fromMemory.map(\.head) == fromFile.map(\.head))
        #expect(fromMemory.contains { $0.path == "word/document.xml" && $0.isWhole })
    }

    @Test func bytesThatAreNoArchiveAreAnErrorNamingTheArchive() {
        let error = #expect(throws: ImageError.self) {
            try ArchiveReader.members(ofArchiveBytes: Array(repeating: 0x41, count: 300), name: "junk.tar") { _, _ in false }
        }
        #expect(error?.message.contains("archive") == true)
        #expect(error?.kind == .invalid && error?.file == "junk.tar")
    }
}
