import DiskImage
import Foundation
import Testing
@testable import ImagePackage
// The shared process runner and scratch folder, for every file of these tests.
@_exported import KoopackTestSupport

extension Scratch {
    /// Runs `tool` in this folder; throws with its standard error when it fails.
    @discardableResult
    func run(_ tool: String, _ arguments: [String]) throws -> String {
        try Tool.run(tool, arguments, in: path)
    }
}

/// A pattern no two offsets of which share a 4-byte window by chance.
func pattern(_ count: Int, seed: UInt32) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}

@Suite struct ArchiveReaderTests {
    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aFixedVHDFooterIsReadFromTheKeptTailOfAMemberLargerThanTheHead() throws {
        let scratch = try Scratch()
        // 8 MiB of guest data: the member (8 MiB + the 512-byte footer) is twice the kept head.
        try scratch.run("/usr/bin/qemu-img", ["create", "-q", "-f", "vpc", "-o", "subformat=fixed", "disk.vhd", "8M"])
        let file = try scratch.bytes("disk.vhd")
        #expect(file.count > ArchiveReader.headBytes)
        try scratch.run("/usr/bin/tar", ["-czf", "disk.tar.gz", "disk.vhd"])

        let members = try ArchiveReader.members(ofArchiveAt: scratch.file("disk.tar.gz")) { _, _ in false }
        let member = try #require(members.count == 1 ? members.first : nil)
        #expect(member.path == "disk.vhd")
        #expect(member.size == UInt64(file.count))
        #expect(member.head == Array(file.prefix(ArchiveReader.headBytes)))
        #expect(member.tail == Array(file.suffix(ArchiveReader.tailBytes)))
        #expect(!member.isWhole)
        #expect(Array(member.tail.suffix(512).prefix(8)) == Array("conectix".utf8))

        let header = try ImageInspector().inspectHeader(member.source, filename: "disk.tar.gz:disk.vhd")
        #expect(header.format == "vpc")
        // A fixed VHD is its data followed by the 512-byte footer (qemu-img, which probes a fixed
        // VHD as raw, would call all of it data).
        #expect(header.virtualSize == UInt64(file.count - 512))
    }

    @Test func bytesBetweenHeadAndTailAreAnErrorNamingTheMember() throws {
        let scratch = try Scratch()
        let data = pattern(ArchiveReader.headBytes + 3 * ArchiveReader.tailBytes, seed: 7)
        try scratch.write("blob.img", data)
        try scratch.run("/usr/bin/tar", ["-cf", "blob.tar", "blob.img"])
        let member = try #require(try ArchiveReader.members(ofArchiveAt: scratch.file("blob.tar")) { _, _ in false }.first)
        let source = member.source
        #expect(try source.read(at: 10, count: 100) == Array(data[10..<110]))
        let last = UInt64(data.count - 100)
        #expect(try source.read(at: last, count: 500) == Array(data[data.count - 100..<data.count]))
        let middle = UInt64(ArchiveReader.headBytes + ArchiveReader.tailBytes)
        let error = try #require(throws: ImageError.self) { try source.read(at: middle, count: 16) }
        #expect(error.message.contains("blob.img") && error.message.contains("\(middle)"))
        #expect(error.kind == .limit && error.offset == middle)
        // Straddling the head's end into the dropped middle is refused too.
        #expect(throws: ImageError.self) { try source.read(at: UInt64(ArchiveReader.headBytes - 8), count: 16) }
    }

    @Test func aMemberJustLargerThanTheHeadReadsAcrossTheSeam() throws {
        let scratch = try Scratch()
        let data = pattern(ArchiveReader.headBytes + 1000, seed: 11)
        try scratch.write("small.img", data)
        try scratch.run("/usr/bin/tar", ["-cf", "small.tar", "small.img"])
        let member = try #require(try ArchiveReader.members(ofArchiveAt: scratch.file("small.tar")) { _, _ in false }.first)
        #expect(member.head.count == ArchiveReader.headBytes)
        #expect(member.tail.count == 1000)
        let seam = UInt64(ArchiveReader.headBytes - 300)
        #expect(try member.source.read(at: seam, count: 800) == Array(data[Int(seam)..<Int(seam) + 800]))
        #expect(try member.source.read(at: 0, count: data.count + 5) == data)
    }

    @Test func metadataMembersAreKeptWholeAndSmallMembersHaveNoTail() throws {
        let scratch = try Scratch()
        try scratch.write("metadata.json", Array(#"{"id": "x"}"#.utf8))
        try scratch.write("tiny.img", pattern(5000, seed: 3))
        try scratch.run("/usr/bin/tar", ["-cf", "p.tar", "metadata.json", "tiny.img"])
        let members = try ArchiveReader.members(ofArchiveAt: scratch.file("p.tar")) { name, _ in name.hasSuffix(".json") }
        #expect(members.map(\.path) == ["metadata.json", "tiny.img"])
        #expect(members.allSatisfy { $0.isWhole && $0.tail.isEmpty })
        #expect(members.first?.head == Array(#"{"id": "x"}"#.utf8))
    }

    @Test func aTruncatedTarGzIsACleanErrorNamingTheArchive() throws {
        let scratch = try Scratch()
        try scratch.write("disk.img", pattern(1 << 20, seed: 5))
        try scratch.run("/usr/bin/tar", ["-czf", "whole.tar.gz", "disk.img"])
        let whole = try scratch.bytes("whole.tar.gz")
        for cut in [whole.count / 2, 600, 40] {
            let path = try scratch.write("cut-\(cut).tar.gz", Array(whole.prefix(cut)))
            let error = try #require(throws: ImageError.self) {
                _ = try ArchiveReader.members(ofArchiveAt: path) { _, _ in false }
            }
            #expect(error.description.contains(path), "\(error)")
        }
    }

    @Test func garbageAfterAGzipMagicIsAnError() throws {
        let scratch = try Scratch()
        let path = try scratch.write("fake.tar.gz", [0x1f, 0x8b, 0x08, 0x00] + pattern(4096, seed: 9))
        #expect(ArchiveReader.looksLikeArchive(try scratch.bytes("fake.tar.gz"), filename: path))
        let error = try #require(throws: ImageError.self) {
            _ = try ArchiveReader.members(ofArchiveAt: path) { _, _ in false }
        }
        #expect(error.description.contains(path))
    }

    @Test(arguments: [
        ("/abs", true), ("/", true), ("a/../../b", true), ("../x", true), ("../../x", true), ("a/b/../../../c", true),
        ("./a/b", false), ("a/./b", false), ("a/../b", false), ("a/b", false), ("a//b", false), ("./", false),
    ])
    func escapesItsFolder(_ path: String, _ escapes: Bool) {
        let member = ArchiveMember(path: path, size: 0, head: [], tail: [])
        #expect(member.escapesItsFolder == escapes, "\(path)")
    }

    @Test func hostileMembersAreListedButNeverWritten() throws {
        let scratch = try Scratch()
        let deep = scratch.file("a/b")
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        try scratch.run("/usr/bin/env", ["python3", "-c", """
            import io, tarfile
            with tarfile.open("a/b/h.tar", "w") as t:
                for name in ("../../x", "ok.img"):
                    data = b"payload"; info = tarfile.TarInfo(name); info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
            """])
        let members = try ArchiveReader.members(ofArchiveAt: deep + "/h.tar") { _, _ in false }
        #expect(members.map(\.path) == ["../../x", "ok.img"])
        #expect(members.map(\.escapesItsFolder) == [true, false])
        #expect(!FileManager.default.fileExists(atPath: scratch.file("x")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: deep) == ["h.tar"])
    }
}
