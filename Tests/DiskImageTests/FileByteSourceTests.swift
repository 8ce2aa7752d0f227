import Foundation
import Testing
@testable import DiskImage

/// The file source serves its first 4 KiB from the read it makes at open and everything else
/// with pread: reads on either side of that line, and across it, give the file's bytes.
@Suite struct FileByteSourceTests {
    @Test func readsInsideAcrossAndPastTheHeadGiveTheFilesBytes() throws {
        let directory = try Scratch()
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let path = try directory.write("file.bin", bytes)
        let source = try FileByteSource(path: path)
        #expect(source.size == 10_000)
        let head = FileByteSource.headLength
        for (offset, count) in [(0, 1), (0, head), (head - 8, 8), (head - 8, 16), (head, 100), (9_990, 50), (0, 10_000)] {
            let expected = Array(bytes[offset..<min(offset + count, bytes.count)])
            #expect(try source.read(at: UInt64(offset), count: count) == expected, "\(count) bytes at \(offset)")
        }
        #expect(try source.read(at: 10_000, count: 4) == [])
        #expect(try source.read(at: 5, count: 0) == [])
    }

    @Test func aFileShorterThanTheHeadReadsWhole() throws {
        let directory = try Scratch()
        let path = try directory.write("short.bin", [1, 2, 3])
        let source = try FileByteSource(path: path)
        #expect(try source.read(at: 0, count: 100) == [1, 2, 3])
        #expect(try source.read(at: 2, count: 100) == [3])
        let empty = try FileByteSource(path: try directory.write("empty.bin", []))
        #expect(try empty.read(at: 0, count: 10) == [])
    }

    @Test func theAllocatedSizeIsWhatStatSays() throws {
        let directory = try Scratch()
        let path = try directory.write("data.bin", [UInt8](repeating: 0xAB, count: 20_000))
        let fields = try Tool.run("stat", ["-c", "%b %B", path]).split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) }
        #expect(fields.count == 2)
        #expect(try FileByteSource(path: path).allocatedSize == fields[0] * fields[1])
        #expect(HostFileResolver().allocatedSize(of: path, opened: try FileByteSource(path: path)) == fields[0] * fields[1])
    }

    @Test func integersReadInBothOrdersUpToTheLastByte() throws {
        let window = ByteWindow([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09], at: 100)
        #expect(try window.u16le(7) == 0x0908)
        #expect(try window.u16be(7) == 0x0809)
        #expect(try window.u32le(5) == 0x0908_0706)
        #expect(try window.u32be(5) == 0x0607_0809)
        #expect(try window.u64le(1) == 0x0908_0706_0504_0302)
        #expect(try window.u64be(1) == 0x0203_0405_0607_0809)
        #expect(throws: ImageError.self) { try window.u32le(6) }
        #expect(throws: ImageError.self) { try window.u64be(2) }
        #expect(throws: ImageError.self) { try window.u16le(-1) }
    }
}
