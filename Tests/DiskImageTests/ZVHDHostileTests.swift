import Foundation
import Testing
@testable import DiskImage

/// Damaged and hostile ZVHD and ZVHD2 files, made by patching the driver-written images: each
/// is a clean `ImageError` that names the file, the offset and what is wrong, never a trap, a
/// hang or an allocation sized by the file.
@Suite struct ZVHDHostileTests {
    /// A driver-written image as bytes, with helpers to patch it little-endian and to refresh a
    /// footer's checksum the way the driver computes it (pvhd_checksum_footer).
    struct Patched {
        var bytes: [UInt8]
        let name: String

        init(_ name: String) throws {
            self.name = name
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ZVHDCases.directory + "/" + name)))
        }

        mutating func put(_ offset: Int, _ value: UInt64, width: Int) {
            for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }

        func get(_ offset: Int, width: Int) -> UInt64 {
            (0..<width).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
        }

        mutating func refreshChecksum(footerAt offset: Int) {
            put(offset + 64, 0, width: 4)
            let sum = bytes[offset..<(offset + 512)].reduce(UInt32(0)) { $0 &+ UInt32($1) }
            put(offset + 64, UInt64(~sum), width: 4)
        }

        var finalFooter: Int { bytes.count - 4096 }
        var indexOffset: Int { Int(get(finalFooter + 96, width: 8)) }

        /// The header error of this image, through the inspector as the command line reads it.
        func headerError() throws -> ImageError {
            try #require(throws: ImageError.self) {
                _ = try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(bytes), filename: name)
            }
        }

        /// The error of opening the guest and reading it whole, block by block, attributed to
        /// the image as the commands that read guests (convert, scan) attribute it.
        func guestError() throws -> ImageError {
            try #require(throws: ImageError.self) {
                do { try readGuest() } catch let error as ImageError { throw error.attributed(to: name) }
            }
        }

        private func readGuest() throws {
            let disk = try ImageInspector(resolver: NoFiles()).openGuest(MemoryByteSource(bytes), filename: name).disk
            var offset: UInt64 = 0
            while offset < disk.size {
                _ = try disk.read(at: offset, count: 2 << 20)
                offset += 2 << 20
            }
        }
    }

    /// Runs the writer's zstd and zlib compressors over `size` bytes of `byte` (a payload that
    /// inflates past a 2 MiB block when `size` is larger).
    static func compressed(_ size: Int, zstd: Bool) throws -> [UInt8] {
        let script = """
            import importlib.util, sys, zlib
            spec = importlib.util.spec_from_file_location("w", sys.argv[1]); w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
            data = bytes([7]) * int(sys.argv[2])
            if sys.argv[3] == "zstd":
                out = w.Zstd().compress(data, 1 << 22)
            else:
                s = zlib.compressobj(1, zlib.DEFLATED, 15, 8); out = s.compress(data) + s.flush(zlib.Z_SYNC_FLUSH)
            print(out.hex())
            """
        let hex = try Tool.run("python3", ["-c", script, ZVHDCases.writer, String(size), zstd ? "zstd" : "zlib"])
        var bytes: [UInt8] = []
        var digits = hex.trimmingCharacters(in: .whitespacesAndNewlines)[...]
        while digits.count >= 2 {
            bytes.append(UInt8(digits.prefix(2), radix: 16)!)
            digits = digits.dropFirst(2)
        }
        return bytes
    }

    static func expect(_ error: ImageError, names name: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(error.file == name, "\(error)", sourceLocation: sourceLocation)
        #expect(error.offset != nil, "no offset: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "\(error.message) lacks \"\(fragment)\"", sourceLocation: sourceLocation)
        }
    }

    // MARK: - ZVHD

    @Test func aTruncatedZVHDFooterIsAnError() throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        image.bytes = Array(image.bytes.prefix(100))
        Self.expect(try image.headerError(), names: image.name, "truncated", "512")
    }

    @Test func aZVHDFooterWithABadChecksumIsAnError() throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        image.bytes[40] ^= 1
        Self.expect(try image.headerError(), names: image.name, "checksum", "offset 64")
    }

    @Test func aZVHDWithoutItsEndFooterIsAnError() throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        image.bytes.removeLast(4096)
        Self.expect(try image.headerError(), names: image.name, "truncated", "offset \(image.bytes.count - 4096)")
    }

    /// The records of zvhd-mbr-ext4.zvhd: (offset, block), from their headers.
    func records(_ image: Patched) -> [(offset: Int, block: UInt64)] {
        var result: [(Int, UInt64)] = []
        var offset = 4096
        while image.bytes[offset..<(offset + 11)].elementsEqual(Array("hwstream bg".utf8)) {
            let size = Int(image.get(offset + 12, width: 4))
            result.append((offset, image.get(offset + 16, width: 4)))
            offset += (48 + size + 4 + 4095) / 4096 * 4096
        }
        return result
    }

    @Test func zvhdRecordsThatDoNotAscendAreAnError() throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        let second = records(image)[1].offset
        image.put(second + 16, 0, width: 4)
        Self.expect(try image.guestError(), names: image.name, "block 0", "does not follow block 0", "offset \(second)")
    }

    @Test(arguments: [(UInt64(0x7FFF_FFFF), "more than the driver"), (0, "is 0")])
    func aZVHDRecordWithAnAbsurdPayloadSizeIsAnError(size: UInt64, fragment: String) throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        image.put(4096 + 12, size, width: 4)
        Self.expect(try image.guestError(), names: image.name, "payload size", fragment)
    }

    @Test func aZVHDRecordThatFailsToInflateIsAnError() throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        for i in 4096 + 48 + 20..<(4096 + 48 + 60) { image.bytes[i] ^= 0x5A }
        Self.expect(try image.guestError(), names: image.name, "block 0", "offset 4096")
    }

    @Test func aZVHDRecordWithoutItsEndMarkerIsAnError() throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        let second = records(image)[1].offset
        image.bytes[second - 4] = UInt8(ascii: "X")
        Self.expect(try image.guestError(), names: image.name, "end\\0")
    }

    @Test func garbageWhereAZVHDRecordShouldBeIsAnError() throws {
        var image = try Patched("zvhd-mbr-ext4.zvhd")
        let second = records(image)[1].offset
        for i in second..<(second + 12) { image.bytes[i] = 0 }
        Self.expect(try image.guestError(), names: image.name, "neither a data record", "offset \(second)")
    }

    // MARK: - ZVHD2

    @Test func aZVHD2CutAnywhereIsAnErrorOrNamesWhatIsMissing() throws {
        let whole = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        for cut in [7, 511, 4096, 8000, 300_000, whole.bytes.count - 4096, whole.bytes.count - 3700] {
            var image = whole
            image.bytes = Array(image.bytes.prefix(cut))
            let error = try image.headerError()
            #expect(error.file == image.name, "\(cut): \(error)")
            #expect(error.message.contains("truncated") || error.message.contains("cookie"), "\(cut): \(error)")
        }
    }

    @Test func aZVHD2FinalFooterWithABadChecksumIsAnError() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        image.bytes[image.finalFooter + 40] ^= 1
        Self.expect(try image.headerError(), names: image.name, "checksum", "offset \(image.finalFooter + 64)")
    }

    @Test func aZVHD2HeaderWithABadChecksumIsOnlyAWarningAsTheDriverNeverChecksIt() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        image.bytes[40] ^= 1
        let info = try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(image.bytes), filename: image.name)
        #expect(info.warnings.contains { $0.contains("header footer's checksum") })
        #expect(info.formatSpecific?["data"]?["header-checksum-ok"] == .bool(false))
    }

    @Test(arguments: [
        (field: 92, width: 4, value: UInt64(0xFFFF_FFFF), fragment: "limit"),
        (field: 96, width: 8, value: UInt64(0xFFFF_FFFF_FFFF_0000), fragment: "index_lba"),
        (field: 104, width: 8, value: UInt64(0xFFFF_FFFF_FFFF_0000), fragment: "bitmap_lba"),
        (field: 104, width: 8, value: UInt64(0), fragment: "bitmap_lba"),
        (field: 96, width: 8, value: UInt64(249856 + 4096), fragment: "overlaps the bitmap"),
        (field: 88, width: 4, value: UInt64(3 << 20), fragment: "power of two"),
        (field: 141, width: 1, value: UInt64(7), fragment: "compression method"),
    ])
    func absurdZVHD2FooterFieldsAreErrorsNamingTheField(field: Int, width: Int, value: UInt64, fragment: String) throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        image.put(image.finalFooter + field, value, width: width)
        image.refreshChecksum(footerAt: image.finalFooter)
        Self.expect(try image.headerError(), names: image.name, fragment)
    }

    @Test func aZVHD2OfTheSequentialLayoutIsRefused() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        image.bytes[87] = 0
        Self.expect(try image.headerError(), names: image.name, "zvhd2_version", "offset 87")
    }

    @Test func aZVHD2IndexEntryPointingOutsideTheFileIsAnError() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        image.put(image.indexOffset, 0xFFFF_FFFF_0000, width: 8)
        Self.expect(try image.guestError(), names: image.name, "index entry 0", "outside the data area")
    }

    @Test func aZVHD2IndexEntryPointingBackwardsIsAnError() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        let first = image.get(image.indexOffset, width: 8)
        image.put(image.indexOffset + 16, first, width: 8)
        Self.expect(try image.guestError(), names: image.name, "index entry 1", "overlap or run backwards")
    }

    @Test func overlappingZVHD2BlocksAreAnError() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        let stored = Int(image.get(image.finalFooter + 136, width: 4))
        let long = try #require((0..<(stored - 1)).first { image.get(image.indexOffset + 16 * $0 + 12, width: 4) > 4096 })
        let start = image.get(image.indexOffset + 16 * long, width: 8)
        image.put(image.indexOffset + 16 * (long + 1), start + 4096, width: 8)
        Self.expect(try image.guestError(), names: image.name, "index entry \(long + 1)", "overlap or run backwards")
    }

    @Test func aZVHD2IndexEntryForAnotherBlockIsAnError() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        image.put(image.indexOffset + 8, 7, width: 4)
        Self.expect(try image.guestError(), names: image.name, "names block 7", "offset \(image.indexOffset + 8)")
    }

    @Test func aZVHD2RecordLengthPastTheDriversBufferIsAnError() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        image.put(image.indexOffset + 12, 0x7FFF_FFFF, width: 4)
        let error = try image.guestError()
        #expect(error.message.contains("record") && error.offset != nil, "\(error)")
    }

    @Test(arguments: [true, false])
    func aZVHD2BlockThatInflatesPastItsSizeIsAnError(zstd: Bool) throws {
        var image = try Patched(zstd ? "zvhd2-zstd-gpt-efi-ext4.zvhd2" : "zvhd2-zlib-mbr-ext4.zvhd2")
        let payload = try Self.compressed(3 << 20, zstd: zstd)
        let record = Int(image.get(image.indexOffset, width: 8))
        let length = Int(image.get(image.indexOffset + 12, width: 4))
        try #require(48 + payload.count + 4 <= length, "payload \(payload.count) bytes, record \(length)")
        image.bytes.replaceSubrange((record + 48)..<(record + 48 + payload.count), with: payload)
        image.put(record + 12, UInt64(payload.count), width: 4)
        Self.expect(try image.guestError(), names: image.name, "inflates past", "offset \(record)")
    }

    @Test(arguments: ["zvhd2-zstd-gpt-efi-ext4.zvhd2", "zvhd2-zlib-mbr-ext4.zvhd2"])
    func aZVHD2BlockThatFailsToInflateIsAnError(name: String) throws {
        var image = try Patched(name)
        let record = Int(image.get(image.indexOffset, width: 8))
        for i in (record + 48 + 2)..<(record + 48 + 40) { image.bytes[i] ^= 0xA5 }
        Self.expect(try image.guestError(), names: image.name, "the record for block 0", "offset \(record)")
    }

    @Test func aZVHD2RecordWithoutItsMarkersIsAnError() throws {
        var image = try Patched("zvhd2-zstd-gpt-efi-ext4.zvhd2")
        let record = Int(image.get(image.indexOffset, width: 8))
        image.bytes[record] = 0
        Self.expect(try image.guestError(), names: image.name, "no data record")
    }
}
