import DiskImage
import Foundation
import Testing

/// Inputs the fuzzers (Fuzz/, `make fuzz`) found to trap, hang or exhaust memory, kept under
/// testdata/fuzz-regressions/<target>/ and fed through the same entry point as the fuzz target,
/// each asserting the clean outcome it gives now.
@Suite struct FuzzRegressionTests {
    /// testdata/fuzz-regressions, found from this file's path.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/fuzz-regressions").path

    static func input(_ target: String, _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(target)/\(name)")))
    }

    /// The probe-inspect target's entry point: `inspect`'s header read over bytes in memory.
    static func inspectHeader(_ bytes: [UInt8]) throws -> ImageInfo {
        try ImageInspector(resolver: NoFiles()).inspectHeader(MemoryByteSource(bytes), filename: "fuzz.img")
    }

    @Test func aLUKS1KeySizeWhoseBitCountOverflows32BitsIsAWarningNotATrap() throws {
        let bytes = try Self.input("probe-inspect", "luks1-key-bytes-overflow.bin")
        let info = try Self.inspectHeader(bytes)
        #expect(info.format == "luks")
        #expect(info.warnings.contains { $0.contains("key size") && $0.contains("offset 108") })
    }

    /// A format target's entry point: format `name`'s own `inspect` over bytes in memory.
    static func inspect(_ name: String, _ bytes: [UInt8], filename: String) throws -> ImageInfo {
        let format = try #require(ImageFormats.named(name))
        return try format.inspect(MemoryByteSource(bytes),
                                  context: InspectContext(filename: filename, resolver: NoFiles()))
    }

    @Test func aLUKS1KeySizeOverflowingItsBitCountIsAWarningInTheLUKSReaderToo() throws {
        let info = try Self.inspect("luks", Self.input("luks", "luks1-key-bytes-overflow.bin"), filename: "fuzz.luks")
        #expect(info.warnings.contains { $0.contains("key size") && $0.contains("offset 108") })
    }

    @Test func aParallelsExtensionOffsetTooLargeForBytesIsAnErrorNamingExtOff() throws {
        let bytes = try Self.input("parallels", "extension-offset-overflow.bin")
        let error = try #require(throws: ImageError.self) { try Self.inspect("parallels", bytes, filename: "fuzz.hdd") }
        #expect(error.message.contains("ext_off at offset 56"))
        #expect(error.kind == .outOfRange && error.offset == 56)
    }

    @Test func aGPTEntrySpanningEveryLBAIsIgnoredWithAWarning() throws {
        let bytes = try Self.input("guest-view", "gpt-entry-spanning-every-lba.bin")
        let view = try GuestView.read(from: MemoryByteSource(bytes))
        #expect(view.warnings.contains { $0.contains("beyond any disk; ignored") })
    }

    @Test func aParallelsExtensionOffsetTooLargeForBytesStopsTheGuestReaderCleanly() throws {
        let bytes = try Self.input("guest-reader", "parallels-extension-offset-overflow.bin")
        let error = try #require(throws: ImageError.self) {
            try ImageInspector(resolver: NoFiles()).openGuest(MemoryByteSource(bytes), filename: "fuzz.img")
        }
        #expect(error.message.contains("ext_off at offset 56"))
        #expect(error.kind == .outOfRange && error.offset == 56 && error.file == "fuzz.img")
    }

    /// The guest-reader target's reads: first and last MiB, then the span the last 8 bytes pick.
    static func readGuest(_ bytes: [UInt8]) throws {
        let (_, disk) = try ImageInspector(resolver: NoFiles()).openGuest(MemoryByteSource(bytes), filename: "fuzz.img")
        _ = try disk.read(at: 0, count: 1 << 20)
        _ = try disk.read(at: disk.size - min(disk.size, 1 << 20), count: 1 << 20)
    }

    @Test func aQEDL2EntryNearTheTopOfTheOffsetRangeIsAnErrorNamingTheL2Entry() throws {
        let bytes = try Self.input("guest-reader", "qed-l2-entry-run-overflow.bin")
        let error = try #require(throws: ImageError.self) { try Self.readGuest(bytes) }
        #expect(error.message.contains("L2 entry") && error.message.contains("points to cluster offset"))
        #expect(error.kind == .outOfRange && error.offset != nil)
    }
}
