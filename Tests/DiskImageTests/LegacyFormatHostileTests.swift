import Foundation
import Testing
@testable import DiskImage

/// Shared tools for the qcow, QED, Parallels and VDI tests: patterned raw disks, guest
/// comparisons, and in-memory patching of real headers.
enum LegacyDisk {
    /// A raw disk of `size` bytes with recognisable non-zero data near the start, in the middle
    /// and near the end, and holes between, so that converted images have allocated and
    /// unallocated clusters both.
    static func pattern(size: Int, seed: UInt32 = 1) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        func fill(_ range: Range<Int>) {
            for i in range.clamped(to: 0..<size) {
                let mixed = UInt32(truncatingIfNeeded: i) &* 2_654_435_761 &+ seed &* 40503
                bytes[i] = UInt8(truncatingIfNeeded: mixed >> 13) | 1
            }
        }
        fill(0..<(1 << 20) + 4321)                        // the first MiB and a bit
        fill((size / 2 - 7000)..<(size / 2 + 70_000))    // across the middle
        fill((size - 700_000)..<(size - 1234))            // most of the last 700 KB
        fill((size - 100)..<size)                          // the very end
        return bytes
    }

    /// Reads the guest of `image` through koopack and holds it to `expected` (the raw disk it
    /// was converted from): the first and last MiB, and odd-sized reads across block boundaries.
    static func expectGuestEquals(_ image: String, _ expected: [UInt8],
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (info, disk) = try ImageInspector().openGuest(path: image)
        #expect(disk.size == UInt64(expected.count), "guest size of \(image)", sourceLocation: sourceLocation)
        let size = expected.count
        var reads: [(Int, Int)] = [(0, 1 << 20), (size - (1 << 20), 1 << 20)]
        for boundary in [4096, 65536, 1 << 20, 2 << 20, size / 2, size - 65536] where boundary < size {
            reads.append((max(0, boundary - 777), 1555))
            reads.append((max(0, boundary - 3), 7))
        }
        reads.append((511, 3 << 20))
        reads.append((size - 1, 1))
        for (offset, count) in reads {
            let wanted = min(count, size - offset)
            let got = try disk.read(at: UInt64(offset), count: count)
            let same = got.count == wanted && got.elementsEqual(expected[offset..<(offset + wanted)])
            #expect(same, "\(image) (\(info.format)): guest bytes at \(offset), \(count) long, differ from the raw disk",
                    sourceLocation: sourceLocation)
            if !same { return }
        }
    }

    /// The bytes of `path`.
    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// `bytes` with `value` written big-endian (`bigEndian`) or little-endian in `width` bytes at `offset`.
    static func patched(_ bytes: [UInt8], at offset: Int, _ value: UInt64, width: Int, bigEndian: Bool) -> [UInt8] {
        var copy = bytes
        for i in 0..<width {
            let shift = bigEndian ? (width - 1 - i) * 8 : i * 8
            copy[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
        return copy
    }

    /// Reads the header of in-memory `bytes` and expects a clean `ImageError` of `kind`, naming
    /// the file and an offset, whose message mentions every one of `mentions` (a field name, an
    /// offset).
    static func expectHeaderError(_ bytes: [UInt8], _ kind: ImageError.Kind, mentions: [String], _ comment: String = "",
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: ImageError.self, "\(comment)", sourceLocation: sourceLocation) {
            _ = try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(bytes), filename: "hostile")
        }
        if let error {
            expectNamed(error, kind, file: "hostile", comment, sourceLocation: sourceLocation)
            for word in mentions {
                #expect(error.description.contains(word), "\(comment): “\(error.description)” does not mention \(word)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// Opens the guest of in-memory `bytes`, reads all of it in 1 MiB steps (at most `limit`
    /// bytes), and expects a clean `ImageError` of `kind`, naming an offset, mentioning every one
    /// of `mentions`.
    static func expectGuestError(_ bytes: [UInt8], _ kind: ImageError.Kind, mentions: [String], limit: UInt64 = 64 << 20,
                                 _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: ImageError.self, "\(comment)", sourceLocation: sourceLocation) {
            let (_, disk) = try ImageInspector(resolver: NoFiles()).openGuest(MemoryByteSource(bytes), filename: "hostile")
            var offset: UInt64 = 0
            while offset < min(disk.size, limit) {
                _ = try disk.read(at: offset, count: 1 << 20)
                offset += 1 << 20
            }
        }
        if let error {
            // Reads of the opened disk are not attributed to a file: the disk is the guest's.
            expectNamed(error, kind, file: nil, comment, sourceLocation: sourceLocation)
            for word in mentions {
                #expect(error.description.contains(word), "\(comment): “\(error.description)” does not mention \(word)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// Every cut of `bytes` before `headerEnd` at the given field boundaries must be a clean error.
    static func expectEveryTruncationFails(_ bytes: [UInt8], boundaries: [Int],
                                           sourceLocation: SourceLocation = #_sourceLocation) {
        for cut in boundaries {
            let error = #expect(throws: ImageError.self, "cut at \(cut)", sourceLocation: sourceLocation) {
                _ = try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(Array(bytes[0..<cut])),
                                                                          filename: "cut")
            }
            if let error { expectNamed(error, .truncated, file: "cut", "cut at \(cut)", sourceLocation: sourceLocation) }
        }
    }

    /// Makes `image` refer to itself as backing file by overwriting the stored backing name
    /// (which must have the same length as the image's own name), then expects
    /// `ImageInspector().inspect(path:)` to report a backing loop.
    static func expectSelfBackingIsALoop(_ image: String, storedName: String,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let own = FilePaths.lastComponent(image)
        precondition(own.utf8.count == storedName.utf8.count)
        var bytes = try Self.bytes(image)
        let needle = Array(storedName.utf8)
        let at = try #require((0...(bytes.count - needle.count)).first {
            bytes[$0..<($0 + needle.count)].elementsEqual(needle)
        }, sourceLocation: sourceLocation)
        bytes.replaceSubrange(at..<(at + needle.count), with: Array(own.utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: image))
        let error = #expect(throws: ImageError.self, sourceLocation: sourceLocation) {
            _ = try ImageInspector().inspect(path: image)
        }
        #expect(error?.kind == .loop, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.description.contains(own) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        let guestError = #expect(throws: ImageError.self, sourceLocation: sourceLocation) {
            _ = try ImageInspector().openGuest(path: image)
        }
        #expect(guestError?.kind == .loop, "\(String(describing: guestError))", sourceLocation: sourceLocation)
        #expect(guestError?.description.contains(own) == true, "\(String(describing: guestError))", sourceLocation: sourceLocation)
    }

    /// Expects `error` to be of `kind`, to name `file` (when given) and an offset.
    static func expectNamed(_ error: ImageError, _ kind: ImageError.Kind, file: String?, _ comment: String,
                            sourceLocation: SourceLocation) {
        #expect(error.kind == kind, "\(comment): \(error.kind): “\(error.description)”", sourceLocation: sourceLocation)
        if let file { #expect(error.file == file, "\(comment): “\(error.description)”", sourceLocation: sourceLocation) }
        #expect(error.offset != nil, "\(comment): no offset in “\(error.description)”", sourceLocation: sourceLocation)
    }
}

/// Damaged and malicious qcow, QED, Parallels and VDI files, each made by patching a real
/// qemu-img image in memory: every one must give a clean error naming the field or offset.
@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct LegacyFormatHostileTests {
    /// A real image made by `qemu-img` with `arguments` (the output file last, named `name`).
    static func image(_ name: String, _ arguments: [String], from pattern: [UInt8]? = nil) throws -> [UInt8] {
        let directory = try Scratch()
        if let pattern { try directory.write("source.raw", pattern) }
        try QemuImg.run(arguments + [name], in: directory.path)
        return try LegacyDisk.bytes(directory.file(name))
    }

    static func u64be(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 << 8 | UInt64(bytes[at + $1]) }
    }

    static func u64le(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reversed().reduce(0) { $0 << 8 | UInt64(bytes[at + $1]) }
    }

    // MARK: qcow

    @Test func qcowHeadersCutShortAtEachFieldAreCleanErrors() throws {
        let plain = try Self.image("p.qcow", ["create", "-f", "qcow", "-o", "size=8M"])
        for cut in [0, 3, 4, 7] {  // too short to be recognised: raw
            #expect(try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(Array(plain[0..<cut])), filename: "x").format == "raw")
        }
        LegacyDisk.expectEveryTruncationFails(plain, boundaries: [8, 16, 20, 24, 32, 33, 34, 36, 40, 47, 48, 60])
    }

    @Test func qcowHeaderFieldsOutOfRangeAreCleanErrors() throws {
        let bytes = try Self.image("p.qcow", ["create", "-f", "qcow", "-o", "size=8M"])
        let be = { (at: Int, value: UInt64, width: Int) in LegacyDisk.patched(bytes, at: at, value, width: width, bigEndian: true) }
        // A wrong magic is claimed by no format (so raw); the qcow reader itself names the field.
        let wrongMagic = be(0, 0x5146_49FA, 4)
        #expect(try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(wrongMagic), filename: "x").format == "raw")
        let magicError = #expect(throws: ImageError.self) { _ = try QCOW1Format.readHeader(MemoryByteSource(wrongMagic)) }
        #expect(magicError?.kind == .badMagic && magicError?.offset == 0, "\(String(describing: magicError))")
        LegacyDisk.expectHeaderError(LegacyDisk.patched(bytes, at: 32, 30, width: 1, bigEndian: true),
                                     .outOfRange, mentions: ["cluster_bits", "offset 32"])
        LegacyDisk.expectHeaderError(LegacyDisk.patched(bytes, at: 33, 40, width: 1, bigEndian: true),
                                     .outOfRange, mentions: ["l2_bits", "offset 33"])
        LegacyDisk.expectHeaderError(be(24, 0, 8), .outOfRange, mentions: ["size", "offset 24"], "empty disk")
        LegacyDisk.expectHeaderError(be(24, UInt64.max - 10, 8), .outOfRange, mentions: ["size", "offset 24"], "absurd size")
        LegacyDisk.expectHeaderError(be(24, 1 << 50, 8), .outOfRange, mentions: ["offset 24"], "an L1 table of millions of entries")
        LegacyDisk.expectHeaderError(be(36, 9, 4), .outOfRange, mentions: ["crypt_method", "offset 36"])
        LegacyDisk.expectHeaderError(be(40, 1 << 40, 8), .truncated, mentions: ["L1 table", "past the end"], "L1 past the end")
        LegacyDisk.expectHeaderError(be(40, UInt64.max - 3, 8), .outOfRange, mentions: ["L1 table"], "L1 offset wraps around")
        var backed = be(8, 48, 8)
        backed = LegacyDisk.patched(backed, at: 16, 1_000_000, width: 4, bigEndian: true)
        LegacyDisk.expectHeaderError(backed, .outOfRange, mentions: ["backing_file_size", "offset 16"], "absurd name length")
        backed = LegacyDisk.patched(be(8, 1 << 40, 8), at: 16, 10, width: 4, bigEndian: true)
        LegacyDisk.expectHeaderError(backed, .truncated, mentions: ["backing file name"], "name past the end")
    }

    /// The QFI magic with a version past 3 is claimed by qcow2's probe, as in QEMU, and refused
    /// there by version: never read as qcow.
    @Test func aWrongQcowVersionIsNotReadAsQcow() throws {
        let bytes = try Self.image("p.qcow", ["create", "-f", "qcow", "-o", "size=8M"])
        let patched = LegacyDisk.patched(bytes, at: 4, 7, width: 4, bigEndian: true)
        #expect(throws: ImageError.self) { _ = try QCOW1Format.readHeader(MemoryByteSource(patched)) }
        do {
            let info = try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(patched), filename: "x")
            Issue.record("version 7 was read as \(info.format)")
        } catch let error as ImageError {
            #expect(error.kind == .unsupported && error.offset == 4 && error.file == "x", "\(error.kind): \(error)")
        }
    }

    @Test func qcowMapsPointingOutsideTheFileAreCleanErrors() throws {
        let pattern = LegacyDisk.pattern(size: 2 << 20)
        let bytes = try Self.image("d.qcow", ["convert", "-O", "qcow", "source.raw"], from: pattern)
        let l1 = Int(Self.u64be(bytes, 40))
        let l2 = Int(Self.u64be(bytes, l1))
        #expect(l2 > 0)
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l1, 1 << 45, width: 8, bigEndian: true),
                                    .truncated, mentions: ["L2 table", "past the end"], "L2 table past the end")
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l2, 1 << 45, width: 8, bigEndian: true),
                                    .truncated, mentions: ["cluster offset", "past the end"], "data cluster past the end")
        // A compressed cluster whose bytes are the header: not deflate.
        let compressed: UInt64 = 1 << 63 | 100 << 51 | 0
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l2, compressed, width: 8, bigEndian: true),
                                    .invalid, mentions: ["compressed cluster"], "garbage compressed cluster")
        let farCompressed: UInt64 = 1 << 63 | 100 << 51 | (1 << 40)
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l2, farCompressed, width: 8, bigEndian: true),
                                    .truncated, mentions: ["compressed cluster", "past the end"], "compressed cluster past the end")
    }

    // MARK: QED

    static func smallQED(_ pattern: [UInt8]? = nil) throws -> [UInt8] {
        if pattern != nil {
            return try image("d.qed", ["convert", "-O", "qed", "-o", "cluster_size=4096", "source.raw"],
                             from: pattern)
        }
        return try image("d.qed", ["create", "-f", "qed", "-o", "cluster_size=4096,size=8M"])
    }

    @Test func qedHeadersCutShortAtEachFieldAreCleanErrors() throws {
        let bytes = try Self.smallQED()
        LegacyDisk.expectEveryTruncationFails(bytes, boundaries: [4, 8, 12, 16, 24, 32, 40, 48, 56, 60, 63, 64, 4096, 8191, 4096 * 5 - 1])
        // Cut before the magic is whole, it is raw.
        #expect(try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(Array(bytes[0..<3])), filename: "x").format == "raw")
    }

    @Test func qedHeaderFieldsOutOfRangeAreCleanErrors() throws {
        let bytes = try Self.smallQED()
        let le = { (at: Int, value: UInt64, width: Int) in LegacyDisk.patched(bytes, at: at, value, width: width, bigEndian: false) }
        LegacyDisk.expectHeaderError(le(4, 1000, 4), .outOfRange, mentions: ["cluster_size", "offset 4"])
        LegacyDisk.expectHeaderError(le(4, 1 << 30, 4), .outOfRange, mentions: ["cluster_size", "offset 4"])
        LegacyDisk.expectHeaderError(le(8, 3, 4), .outOfRange, mentions: ["table_size", "offset 8"])
        LegacyDisk.expectHeaderError(le(8, 1 << 20, 4), .outOfRange, mentions: ["table_size", "offset 8"])
        LegacyDisk.expectHeaderError(le(12, 0, 4), .outOfRange, mentions: ["header_size", "offset 12"])
        LegacyDisk.expectHeaderError(le(12, 1 << 31, 4), .outOfRange, mentions: ["header_size", "offset 12"])
        LegacyDisk.expectHeaderError(le(16, 0x10, 8), .unsupported, mentions: ["features", "offset 16"])
        LegacyDisk.expectHeaderError(le(48, 1000, 8), .outOfRange, mentions: ["image_size", "offset 48"])
        LegacyDisk.expectHeaderError(le(48, 1 << 60, 8), .outOfRange, mentions: ["image_size", "offset 48"])
        LegacyDisk.expectHeaderError(le(40, 1 << 40, 8), .truncated, mentions: ["l1_table_offset", "past the end"])
        LegacyDisk.expectHeaderError(le(40, 4096 + 100, 8), .outOfRange, mentions: ["l1_table_offset", "unaligned"])
        LegacyDisk.expectHeaderError(le(40, 0, 8), .outOfRange, mentions: ["l1_table_offset", "inside the header"])
        LegacyDisk.expectHeaderError(le(40, UInt64.max & ~4095, 8), .outOfRange, mentions: ["l1_table_offset"], "wraps around")
        var backed = le(16, 1, 8)
        backed = LegacyDisk.patched(backed, at: 56, 4000, width: 4, bigEndian: false)
        backed = LegacyDisk.patched(backed, at: 60, 200, width: 4, bigEndian: false)
        LegacyDisk.expectHeaderError(backed, .outOfRange, mentions: ["backing_filename_offset", "offset 56"], "name past the header")
        backed = LegacyDisk.patched(backed, at: 56, 0xFFFF_FFFF, width: 4, bigEndian: false)
        LegacyDisk.expectHeaderError(backed, .outOfRange, mentions: ["backing_filename_offset"], "name offset wraps")
    }

    @Test func qedMapsPointingOutsideTheFileAreCleanErrors() throws {
        let bytes = try Self.smallQED(LegacyDisk.pattern(size: 2 << 20))
        let l1 = Int(Self.u64le(bytes, 40))
        let l2 = Int(Self.u64le(bytes, l1))
        #expect(l2 > 0)
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l1, 1 << 45, width: 8, bigEndian: false),
                                    .truncated, mentions: ["L1 entry 0", "L2 table"], "L2 table past the end")
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l1, UInt64(l2) + 8, width: 8, bigEndian: false),
                                    .outOfRange, mentions: ["L1 entry 0", "unaligned"], "unaligned L2 table")
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l2, 1 << 45, width: 8, bigEndian: false),
                                    .truncated, mentions: ["L2 entry 0", "past the end"], "data cluster past the end")
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: l2, 512, width: 8, bigEndian: false),
                                    .outOfRange, mentions: ["L2 entry 0", "unaligned"], "data cluster inside the header, unaligned")
    }

    // MARK: Parallels

    @Test func parallelsHeadersCutShortAtEachFieldAreCleanErrors() throws {
        let bytes = try Self.image("d.hdd", ["create", "-f", "parallels", "-o", "cluster_size=4096,size=8M"])
        LegacyDisk.expectEveryTruncationFails(bytes, boundaries: [20, 24, 28, 32, 36, 44, 48, 52, 56, 63, 64, 100, 64 + 8191])
        #expect(try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(Array(bytes[0..<16])), filename: "x").format == "raw")
    }

    @Test func parallelsHeaderFieldsOutOfRangeAreCleanErrors() throws {
        let bytes = try Self.image("d.hdd", ["create", "-f", "parallels", "-o", "cluster_size=4096,size=8M"])
        let le = { (at: Int, value: UInt64, width: Int) in LegacyDisk.patched(bytes, at: at, value, width: width, bigEndian: false) }
        #expect(try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(le(0, 0x41, 1)), filename: "x").format == "raw")
        #expect(throws: ImageError.self) { _ = try ParallelsFormat.readHeader(MemoryByteSource(le(0, 0x41, 1))) }
        #expect(try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(le(16, 3, 4)), filename: "x").format == "raw")
        #expect(throws: ImageError.self) { _ = try ParallelsFormat.readHeader(MemoryByteSource(le(16, 3, 4))) }
        LegacyDisk.expectHeaderError(le(28, 0, 4), .outOfRange, mentions: ["tracks", "offset 28"])
        LegacyDisk.expectHeaderError(le(28, 0xFFFF_FFFF, 4), .outOfRange, mentions: ["tracks", "offset 28"])
        LegacyDisk.expectHeaderError(le(32, 0xFFFF_FFFF, 4), .outOfRange, mentions: ["bat_entries", "offset 32"])
        LegacyDisk.expectHeaderError(le(32, 5_000_000, 4), .truncated, mentions: ["bat_entries", "past the end"], "BAT of millions")
        LegacyDisk.expectHeaderError(le(36, UInt64.max, 8), .outOfRange, mentions: ["nb_sectors", "offset 36"])
    }

    @Test func parallelsBATEntriesPointingOutsideTheFileAreCleanErrors() throws {
        let pattern = LegacyDisk.pattern(size: 2 << 20)
        let bytes = try Self.image("d.hdd", ["convert", "-O", "parallels", "-o", "cluster_size=4096", "source.raw"],
                                   from: pattern)
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: 64, 0xFFFF_FFFF, width: 4, bigEndian: false),
                                    .truncated, mentions: ["BAT entry 0", "past the end"])
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: 64 + 4 * 100, 1_000_000, width: 4, bigEndian: false),
                                    .truncated, mentions: ["BAT entry 100", "past the end"])
    }

    // MARK: VDI

    @Test func vdiHeadersCutShortAtEachFieldAreCleanErrors() throws {
        let bytes = try Self.image("d.vdi", ["create", "-f", "vdi", "-o", "size=8M"])
        LegacyDisk.expectEveryTruncationFails(bytes, boundaries: [0x44, 0x48, 0x4C, 0x50, 0x154, 0x158, 0x15C, 0x168,
                                                                  0x170, 0x178, 0x17C, 0x180, 0x184, 0x188, 0x198,
                                                                  0x1A8, 0x1B8, 0x1C7, 0x200, 0x21F])
    }

    @Test func vdiHeaderFieldsOutOfRangeAreCleanErrors() throws {
        let bytes = try Self.image("d.vdi", ["create", "-f", "vdi", "-o", "size=8M"])
        let le = { (at: Int, value: UInt64, width: Int) in LegacyDisk.patched(bytes, at: at, value, width: width, bigEndian: false) }
        #expect(try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(le(0x40, 0xBEDA_107E, 4)), filename: "x").format == "raw")
        #expect(throws: ImageError.self) { _ = try VDIFormat.readHeader(MemoryByteSource(le(0x40, 0xBEDA_107E, 4))) }
        LegacyDisk.expectHeaderError(le(0x44, 0x0002_0000, 4), .unsupported, mentions: ["version", "offset 68", "2.0"])
        LegacyDisk.expectHeaderError(le(0x154, 0x201, 4), .outOfRange, mentions: ["offset_bmap", "offset 340"])
        LegacyDisk.expectHeaderError(le(0x158, 0x401, 4), .outOfRange, mentions: ["offset_data", "offset 344"])
        LegacyDisk.expectHeaderError(le(0x168, 4096, 4), .unsupported, mentions: ["sector_size", "offset 360"])
        LegacyDisk.expectHeaderError(le(0x178, 3000, 4), .outOfRange, mentions: ["block_size", "offset 376"])
        LegacyDisk.expectHeaderError(le(0x178, 0, 4), .outOfRange, mentions: ["block_size", "offset 376"])
        LegacyDisk.expectHeaderError(le(0x180, 0xFFFF_FFF0, 4), .outOfRange, mentions: ["blocks_in_image", "offset 384"])
        LegacyDisk.expectHeaderError(le(0x180, 4_000_000, 4), .truncated, mentions: ["offset_bmap", "past the end"], "map of millions")
        LegacyDisk.expectHeaderError(le(0x170, 1 << 40, 8), .outOfRange, mentions: ["disk_size", "offset 368"])
        LegacyDisk.expectHeaderError(le(0x184, 9, 4), .outOfRange, mentions: ["blocks_allocated", "offset 388"])
        LegacyDisk.expectHeaderError(le(0x158, 1 << 30, 4), .truncated, mentions: ["offset_data", "past the end"])
    }

    @Test func vdiBlockMapEntriesOutOfRangeAreCleanErrors() throws {
        let pattern = LegacyDisk.pattern(size: 4 << 20)
        let bytes = try Self.image("d.vdi", ["convert", "-O", "vdi", "source.raw"], from: pattern)
        let allocated = Int(bytes[0x184]) | Int(bytes[0x185]) << 8
        #expect(allocated > 0)
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: 0x200, UInt64(allocated), width: 4, bigEndian: false),
                                    .outOfRange, mentions: ["block map entry 0", "allocated"], "block index past blocks_allocated")
        LegacyDisk.expectGuestError(LegacyDisk.patched(bytes, at: 0x200 + 4, 0x7FFF_FFFF, width: 4, bigEndian: false),
                                    .outOfRange, mentions: ["block map entry 1"], "block index in the billions")
        // Claim every block allocated, then point one past the end of the file.
        var grown = LegacyDisk.patched(bytes, at: 0x184, 4, width: 4, bigEndian: false)
        grown = LegacyDisk.patched(grown, at: 0x200, 3, width: 4, bigEndian: false)
        if allocated < 4 {
            LegacyDisk.expectGuestError(grown, .truncated, mentions: ["block map entry 0", "past the end"], "block past the end")
        }
    }
}
