import Foundation
import Testing
@testable import ReleaseBundle

extension Scratch {
    /// A file of `size` bytes: holes, with `data` written at each of `offsets`.
    func sparseFile(_ name: String, size: UInt64, data: [UInt8], at offsets: [UInt64]) throws -> String {
        let path = try sparse(name, size: size)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for offset in offsets {
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: Data(data))
        }
        try handle.close()
        return path
    }

    /// Blocks allocated to `path`, in bytes (`st_blocks` × 512).
    func allocated(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_blocks) * 512 : 0
    }
}

@Suite struct BundleFileTests {
    /// Sizes around the 4 MiB chunk: each boundary a bug would show at.
    static let sizes: [Int] = [0, 1, 63, 64, 65, FileHasher.chunkBytes - 1, FileHasher.chunkBytes, FileHasher.chunkBytes + 1,
                               3 * FileHasher.chunkBytes + 12_345]

    @Test(arguments: sizes)
    func hashingAgreesWithSha256sum(size: Int) throws {
        let scratch = try Scratch()
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        let bytes = try random.read(upToCount: size) ?? Data()
        try random.close()
        let path = scratch.file("random.bin")
        try bytes.write(to: URL(fileURLWithPath: path))
        let hashed = try FileHasher.hash(path: path)
        #expect(hashed.size == UInt64(size))
        #expect(hashed.sha256 == (try Tool.sha256sum(path)))
    }

    @Test func aSparseFileHashesAsItsBytesAndCopiesSparseAndEqual() throws {
        let scratch = try Scratch()
        let marker = Array("koopack data".utf8)
        let size: UInt64 = 64 << 20
        let source = try scratch.sparseFile("sparse.bin", size: size, data: marker,
                                            at: [0, 7 << 20 + 3, 40 << 20, size - UInt64(marker.count)])
        let expected = try Tool.sha256sum(source)
        #expect(try FileHasher.hash(path: source).sha256 == expected)

        let counter = ByteCounter()
        let copy = scratch.file("copy.bin")
        let copied = try FileHasher.copy(from: source, to: copy, counter: counter)
        #expect(copied == HashedFile(size: size, sha256: expected))
        #expect(counter.value == size)
        #expect(try Tool.sha256sum(copy) == expected)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(contentsOf: URL(fileURLWithPath: source)))
        #expect(scratch.allocated(copy) < 16 << 20, "the copy keeps the holes: \(scratch.allocated(copy)) bytes allocated")
    }

    @Test func aFileEndingInAHoleKeepsItsLength() throws {
        let scratch = try Scratch()
        let source = try scratch.sparseFile("tail.bin", size: 9 << 20, data: [1, 2, 3], at: [5])
        let copy = scratch.file("copy.bin")
        let copied = try FileHasher.copy(from: source, to: copy)
        #expect(copied.size == 9 << 20)
        #expect((try FileManager.default.attributesOfItem(atPath: copy)[.size] as? NSNumber)?.uint64Value == 9 << 20)
        #expect(try Tool.sha256sum(copy) == (try Tool.sha256sum(source)))
    }

    @Test func copyingOntoAnExistingFileIsRefused() throws {
        let scratch = try Scratch()
        let source = scratch.file("a"), target = scratch.file("b")
        try Data("a".utf8).write(to: URL(fileURLWithPath: source))
        try Data("b".utf8).write(to: URL(fileURLWithPath: target))
        #expect(throws: BundleError.self) { try FileHasher.copy(from: source, to: target) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "b")
    }

    @Test func aMissingSourceNamesTheFile() throws {
        let scratch = try Scratch()
        do {
            _ = try FileHasher.hash(path: scratch.file("missing.bin"))
            Issue.record("hashing a missing file succeeded")
        } catch {
            #expect(error.message.contains("missing.bin"))
            #expect(error.message.contains("No such file"))
        }
    }

    @Test func linkingSharesTheFileAndStillHashesIt() throws {
        let scratch = try Scratch()
        let source = scratch.file("a.bin"), target = scratch.file("b.bin")
        try Data("linked".utf8).write(to: URL(fileURLWithPath: source))
        let hashed = try FileHasher.link(from: source, to: target)
        #expect(hashed.sha256 == (try Tool.sha256sum(source)))
        let a = try FileManager.default.attributesOfItem(atPath: source)[.systemFileNumber] as? NSNumber
        let b = try FileManager.default.attributesOfItem(atPath: target)[.systemFileNumber] as? NSNumber
        #expect(a == b)
    }

    @Test func aRaisedStopEndsTheCopyAsAnInterruption() throws {
        let scratch = try Scratch()
        let source = try scratch.sparseFile("big.bin", size: 64 << 20, data: [1], at: [0])
        let stop = StopFlag()
        stop.raise(signal: SIGTERM)
        stop.raise(signal: 0)
        #expect(stop.signal == SIGTERM, "the first stop request wins")
        do {
            _ = try FileHasher.copy(from: source, to: scratch.file("copy.bin"), stop: stop)
            Issue.record("the copy ignored the stop")
        } catch {
            #expect(error.interrupted)
        }
    }
}
