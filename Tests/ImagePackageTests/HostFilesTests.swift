import Foundation
import Testing
import DiskImage
import ImagePackage
import KoopackTestSupport

/// `HostFiles.readSmallFile`: a regular file is read whole in one array of its size, anything
/// else (a pipe) piece by piece, and neither beyond the limit.
@Suite struct HostFilesTests {
    @Test func aRegularFileIsReadWholeUpToAndIncludingTheLimit() throws {
        let scratch = try Scratch()
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = try scratch.write("list.json", bytes)
        #expect(try HostFiles.readSmallFile(path, limit: 200_000) == bytes)
        #expect(try HostFiles.readSmallFile(path, limit: 1 << 20) == bytes)
        #expect(try HostFiles.readSmallFile(try scratch.write("empty", []), limit: 10) == [])
    }

    @Test func aFileOverTheLimitIsALimitErrorNamingIt() throws {
        let scratch = try Scratch()
        let path = try scratch.write("big.json", [UInt8](repeating: 0x20, count: 1001))
        let error = try #require(throws: ImageError.self) { try HostFiles.readSmallFile(path, limit: 1000) }
        #expect(error.kind == .limit)
        #expect(error.description.contains(path))
    }

    @Test func aPipeIsReadToItsEndAndHeldToTheLimit() throws {
        let scratch = try Scratch()
        let fifo = scratch.file("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "head -c 150000 /dev/zero > \"$0\"", fifo]
        try writer.run()
        defer { writer.waitUntilExit() }
        #expect(try HostFiles.readSmallFile(fifo, limit: 150_000) == [UInt8](repeating: 0, count: 150_000))

        let second = Process()
        second.executableURL = URL(fileURLWithPath: "/bin/sh")
        second.arguments = ["-c", "head -c 150001 /dev/zero > \"$0\" 2>/dev/null", fifo]
        try second.run()
        defer { second.waitUntilExit() }
        let error = try #require(throws: ImageError.self) { try HostFiles.readSmallFile(fifo, limit: 150_000) }
        #expect(error.kind == .limit)
    }

    @Test func aFolderOrAMissingFileIsAnIOErrorNamingIt() throws {
        let scratch = try Scratch()
        for path in [scratch.path, scratch.file("missing.json")] {
            let error = try #require(throws: ImageError.self) { try HostFiles.readSmallFile(path, limit: 1000) }
            #expect(error.kind == .io)
            #expect(error.description.contains(path))
        }
    }
}
