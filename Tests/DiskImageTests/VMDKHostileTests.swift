import Foundation
import Testing
@testable import DiskImage

/// Damaged and malicious VMDK files, made by patching the committed qemu-img fixtures in
/// memory: each must give a clean `ImageError` that names the field, offset or line.
@Suite struct VMDKHostileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../testdata/images").standardized.path

    /// The monolithicSparse fixture: grain directory at sector 26, its first grain table at 27.
    static func sparse() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/sparse.vmdk"))) }
    /// The streamOptimized fixture: grain markers at sectors 128 and 129.
    static func stream() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/stream.vmdk"))) }

    static let context = InspectContext(filename: "hostile.vmdk", resolver: nil)

    /// Inspects `bytes` as VMDK and reads the whole guest disk, returning the error thrown.
    static func failure(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ImageError? {
        do {
            let source = MemoryByteSource(bytes)
            let info = try VMDKFormat.inspect(source, context: context)
            let disk = try VMDKFormat.openGuest(source, info: info, context: context, backing: nil)
            var offset: UInt64 = 0
            while offset < disk.size {
                _ = try disk.read(at: offset, count: 1 << 20)
                offset += 1 << 20
            }
            Issue.record("no error", sourceLocation: sourceLocation)
            return nil
        } catch let error as ImageError {
            return error
        } catch {
            Issue.record("not an ImageError: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Expects reading `bytes` to fail with an error of `kind` that names an offset and mentions
    /// one of `words` (the field or structure), or only names the offset when `words` is empty.
    static func expectFailure(_ bytes: [UInt8], _ kind: ImageError.Kind, mentioning words: [String] = [],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = failure(bytes, sourceLocation: sourceLocation) else { return }
        #expect(error.kind == kind, "\(error.kind): \(error.description)", sourceLocation: sourceLocation)
        #expect(error.offset != nil, "no offset: \(error.description)", sourceLocation: sourceLocation)
        #expect(words.isEmpty || words.contains { error.description.contains($0) }, "\(error.description)", sourceLocation: sourceLocation)
    }

    @Test func theFixturesThemselvesReadCleanly() throws {
        for bytes in [try Self.sparse(), try Self.stream()] {
            let source = MemoryByteSource(bytes)
            let info = try VMDKFormat.inspect(source, context: Self.context)
            let disk = try VMDKFormat.openGuest(source, info: info, context: Self.context, backing: nil)
            #expect(try disk.read(at: 0, count: 34) == Array("koopack vmdk fixture: first grain\n".utf8))
            #expect(try disk.read(at: 1_048_000, count: 33) == Array("koopack vmdk fixture: last grain\n".utf8))
        }
    }

    @Test func readingTheHeaderTakesAFewSmallReads() throws {
        for bytes in [try Self.sparse(), try Self.stream()] {
            let counting = CountingByteSource(MemoryByteSource(bytes))
            _ = try VMDKFormat.inspect(counting, context: Self.context)
            #expect(counting.bytesRead <= 16 * 1024)
            #expect(counting.reads <= 8)
        }
    }

    @Test func aFileTruncatedAtEveryHeaderBoundaryIsACleanError() throws {
        let bytes = try Self.sparse()
        for cut in [4, 8, 12, 20, 28, 36, 44, 48, 56, 64, 72, 73, 77, 79, 256, 511, 512, 1024, 26 * 512 + 2, 27 * 512 + 100] {
            Self.expectFailure(Array(bytes[0..<cut]), .truncated)
        }
    }

    @Test func aWrongMagicIsNotClaimedAndNotRead() throws {
        var bytes = try Self.sparse()
        bytes[0] = UInt8(ascii: "X")
        #expect(VMDKFormat.probe(ProbeInput(head: ByteWindow(Array(bytes[0..<4096])), filename: "x", source: MemoryByteSource(bytes))) == 0)
        Self.expectFailure(bytes, .invalid, mentioning: ["descriptor"])
    }

    @Test func anUnsupportedVersionIsRefused() throws {
        var bytes = try Self.sparse()
        VMDKFixtures.patch(&bytes, at: 4, width: 4, 4)
        Self.expectFailure(bytes, .unsupported, mentioning: ["version at offset 4"])
    }

    @Test func aGrainDirectoryPastTheEndIsRefused() throws {
        for sector: UInt64 in [384, 1 << 40, .max - 1] {
            var bytes = try Self.sparse()
            VMDKFixtures.patch(&bytes, at: 56, width: 8, sector)
            Self.expectFailure(bytes, .truncated, mentioning: ["grain directory at offset 56"])
        }
    }

    @Test func anAbsurdNumberOfGrainTableEntriesIsRefused() throws {
        for count: UInt64 in [0, 513, 0xFFFF_FFFF] {
            var bytes = try Self.sparse()
            VMDKFixtures.patch(&bytes, at: 44, width: 4, count)
            Self.expectFailure(bytes, .outOfRange, mentioning: ["numGTEsPerGT at offset 44"])
        }
    }

    @Test func aGrainSizeOfZeroOrHugeIsRefused() throws {
        for grain: UInt64 in [0, 0x20_0001, 1 << 40, .max] {
            var bytes = try Self.sparse()
            VMDKFixtures.patch(&bytes, at: 20, width: 8, grain)
            Self.expectFailure(bytes, .outOfRange, mentioning: ["grainSize at offset 20"])
        }
    }

    @Test func anAbsurdCapacityIsRefused() throws {
        var bytes = try Self.sparse()
        VMDKFixtures.patch(&bytes, at: 12, width: 8, .max)
        Self.expectFailure(bytes, .limit, mentioning: ["capacity at offset 12"])
        // Millions of grain directory entries: one-sector grains, one entry per table.
        bytes = try Self.sparse()
        VMDKFixtures.patch(&bytes, at: 12, width: 8, 1 << 30)
        VMDKFixtures.patch(&bytes, at: 20, width: 8, 1)
        VMDKFixtures.patch(&bytes, at: 44, width: 4, 1)
        Self.expectFailure(bytes, .limit, mentioning: ["grain directory at offset 56"])
    }

    @Test func aGrainTablePastTheEndOfTheFileIsRefusedWhenRead() throws {
        var bytes = try Self.sparse()
        VMDKFixtures.patch(&bytes, at: 26 * 512, width: 4, 0x7FFF_FFFF)
        Self.expectFailure(bytes, .truncated, mentioning: ["grain table at offset"])
    }

    @Test func aCompressedGrainWhoseSizeFieldLiesIsRefused() throws {
        // Marker at sector 128: LBA (8 bytes), then the size.
        for size: UInt64 in [0, 0xFFFF_FFFF, 2 * 65536 + 1] {
            var bytes = try Self.stream()
            VMDKFixtures.patch(&bytes, at: 128 * 512 + 8, width: 4, size)
            Self.expectFailure(bytes, .outOfRange, mentioning: ["compressed grain size at offset \(128 * 512 + 8)"])
        }
        // Too short a size cuts the zlib stream; a size past the end of the file is a truncation.
        var bytes = try Self.stream()
        VMDKFixtures.patch(&bytes, at: 128 * 512 + 8, width: 4, 5)
        Self.expectFailure(bytes, .truncated, mentioning: ["compressed grain at offset \(128 * 512)"])
        bytes = try Self.stream()
        VMDKFixtures.patch(&bytes, at: 129 * 512 + 8, width: 4, 65536)
        Self.expectFailure(bytes, .truncated, mentioning: ["compressed grain"])
        // Garbage in place of the zlib stream.
        bytes = try Self.stream()
        for i in 0..<64 { bytes[128 * 512 + 12 + i] = UInt8(truncatingIfNeeded: i &* 37) }
        Self.expectFailure(bytes, .invalid, mentioning: ["compressed grain at offset \(128 * 512)"])
    }

    @Test func aGrainDirectoryAtTheEndWithoutAFooterIsRefused() throws {
        var bytes = try Self.stream()
        VMDKFixtures.patch(&bytes, at: 56, width: 8, .max)
        Self.expectFailure(bytes, .badMagic, mentioning: ["footer marker"])
        var moved = try VMDKFixtures.movingGrainDirectoryToFooter(try Self.stream())
        VMDKFixtures.patch(&moved, at: moved.count - 1024 + 56, width: 8, .max)
        Self.expectFailure(moved, .invalid, mentioning: ["footer gdOffset"])
    }

    // MARK: descriptors

    static let header = "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"

    /// Inspects the descriptor `text` saved as `name` beside a 1 MiB flat file `flat.bin`.
    static func inspectDescriptor(_ text: [UInt8], name: String = "disk.vmdk") throws -> (Scratch, Result<ImageInfo, ImageError>) {
        let directory = try Scratch()
        try directory.write("flat.bin", [UInt8](repeating: 7, count: 1 << 20))
        let path = try directory.write(name, text)
        do {
            return (directory, .success(try ImageInspector().inspect(path: path)))
        } catch let error as ImageError {
            return (directory, .failure(error))
        }
    }

    /// Expects the descriptor `text` to fail with an error of `kind` that names a file and
    /// mentions every one of `words` (a line, a field).
    static func expectDescriptorFailure(_ text: String, _ kind: ImageError.Kind, mentioning words: [String], name: String = "disk.vmdk",
                                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (_, result) = try inspectDescriptor(Array(text.utf8), name: name)
        guard case let .failure(error) = result else {
            Issue.record("no error", sourceLocation: sourceLocation)
            return
        }
        #expect(error.kind == kind, "\(error.kind): \(error.description)", sourceLocation: sourceLocation)
        #expect(error.file != nil, "no file: \(error.description)", sourceLocation: sourceLocation)
        #expect(words.allSatisfy { error.description.contains($0) }, "\(error.description)", sourceLocation: sourceLocation)
    }

    @Test func aGoodDescriptorOverAFlatFileReads() throws {
        let (_, result) = try Self.inspectDescriptor(Array((Self.header + "RW 2048 FLAT \"flat.bin\" 0\n").utf8))
        #expect(try result.get().virtualSize == 1 << 20)
    }

    @Test func descriptorTextThatIsBinaryGarbageIsRefused() throws {
        var text = Array("# Disk DescriptorFile\nversion=1\n".utf8)
        text += (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) | 1 }
        let (_, result) = try Self.inspectDescriptor(text)
        guard case let .failure(error) = result else { Issue.record("no error"); return }
        #expect(error.kind == .invalid && error.file != nil)
        #expect(error.message.contains("descriptor line 3 holds binary data"))
    }

    @Test func aDescriptorMegabytesLongIsReadOnlyUpToItsCap() throws {
        let filler = String(repeating: "# padding padding padding padding padding padding padding padding\n", count: 50_000)
        let (_, result) = try Self.inspectDescriptor(Array((Self.header + "RW 2048 FLAT \"flat.bin\" 0\n" + filler).utf8))
        let info = try result.get()
        #expect(info.virtualSize == 1 << 20)
        #expect(info.warnings.contains { $0.contains("only its first \(VMDKDescriptor.maxLength)") })
    }

    @Test func moreExtentsThanTheCapAreRefused() throws {
        let lines = String(repeating: "RW 1 FLAT \"flat.bin\" 0\n", count: VMDKDescriptor.maxExtents + 1)
        try Self.expectDescriptorFailure(Self.header + lines, .limit, mentioning: ["more than \(VMDKDescriptor.maxExtents) extents"])
    }

    @Test func aDescriptorNamingItselfAsItsExtentIsRefused() throws {
        try Self.expectDescriptorFailure(Self.header + "RW 8 FLAT \"disk.vmdk\" 0\n", .loop, mentioning: ["line 6", "names itself"])
        try Self.expectDescriptorFailure(Self.header + "RW 8 FLAT \"./self.vmdk\" 0\n", .loop, mentioning: ["names itself"], name: "self.vmdk")
    }

    @Test func sparseExtentsThatFormACycleAreRefused() throws {
        // A sparse file of capacity 0 holds only a descriptor; the fixture's names "sparse.vmdk".
        var bytes = try Self.sparse()
        VMDKFixtures.patch(&bytes, at: 12, width: 8, 0)
        let directory = try Scratch()
        let selfNaming = try directory.write("sparse.vmdk", bytes)
        #expect(throws: ImageError.self) { try ImageInspector().inspect(path: selfNaming) }
        let outer = try directory.write("outer.vmdk", bytes)
        let error = try #require(throws: ImageError.self) { try ImageInspector().inspect(path: outer) }
        #expect(error.description.contains("sparse.vmdk"))
        #expect(error.kind == .unsupported && error.offset == 12, "\(error.kind): \(error)")
    }

    @Test func aMissingExtentFileIsNamedWithItsLine() throws {
        try Self.expectDescriptorFailure(Self.header + "RW 2048 FLAT \"flat.bin\" 0\nRW 8 SPARSE \"gone-s002.vmdk\"\n",
                                         .io, mentioning: ["line 7", "gone-s002.vmdk", "cannot be opened"])
    }

    @Test func extentSizesThatOverflowAreRefused() throws {
        try Self.expectDescriptorFailure(Self.header + "RW 18446744073709551615 FLAT \"flat.bin\" 0\n", .limit, mentioning: ["line 6"])
        try Self.expectDescriptorFailure(Self.header + "RW 99999999999999999999999 FLAT \"flat.bin\" 0\n", .invalid, mentioning: ["line 6", "invalid extent line"])
        try Self.expectDescriptorFailure(Self.header + "RW 8 FLAT \"flat.bin\" 18446744073709551615\n", .outOfRange, mentioning: ["line 6", "overflows"])
        let half = "RW \(VMDKSparseExtent.maxCapacitySectors / 2 + 1) FLAT \"flat.bin\" 0\n"
        try Self.expectDescriptorFailure(Self.header + half + half, .limit, mentioning: ["add up"])
    }

    @Test func malformedDescriptorLinesAreRefused() throws {
        try Self.expectDescriptorFailure(Self.header + "RW 8 FLAT \"flat.bin\"\n", .invalid, mentioning: ["line 6", "start sector"])
        try Self.expectDescriptorFailure(Self.header + "RW 8 FLAT flat.bin 0\n", .invalid, mentioning: ["line 6", "double quotes"])
        try Self.expectDescriptorFailure(Self.header + "RW 8 SPARSE \"flat.bin\" 9\n", .invalid, mentioning: ["line 6", "unexpected"])
        try Self.expectDescriptorFailure(Self.header + "RW 8 VMFSRDM \"flat.bin\"\n", .unsupported, mentioning: ["line 6", "raw device"])
        try Self.expectDescriptorFailure(Self.header + "RW 8 SPARSE \"flat.bin\"\n", .badMagic, mentioning: ["flat.bin"])
        try Self.expectDescriptorFailure("# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\nRW 8 FLAT \"flat.bin\" 0\n",
                                         .invalid, mentioning: ["createType"])
        try Self.expectDescriptorFailure("# Disk DescriptorFile\nversion=1\nCID=xyz\n", .invalid, mentioning: ["line 3", "CID"])
        try Self.expectDescriptorFailure(Self.header, .invalid, mentioning: ["no extents"])
    }
}
