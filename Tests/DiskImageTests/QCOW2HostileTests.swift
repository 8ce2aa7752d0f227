import Foundation
import Testing
@testable import DiskImage

/// Damaged and hostile qcow2 and LUKS headers, made by patching real ones in memory: each gives a
/// clean `ImageError` naming the field or offset, never a trap, a hang or a huge allocation.
@Suite struct QCOW2HostileTests {
    /// A real 16 MiB qcow2 image with some data, read into memory.
    static func realImage(_ options: String = "cluster_size=4096") throws -> [UInt8] {
        let directory = try Scratch()
        var disk = [UInt8](repeating: 0, count: 1 << 20)
        for i in 0..<disk.count { disk[i] = UInt8(truncatingIfNeeded: i / 3) }
        let raw = try directory.write("disk.raw", disk)
        let image = directory.file("disk.qcow2")
        try QemuImg.run(["convert", "-f", "raw", "-O", "qcow2", "-o", options, raw, image])
        try QemuImg.run(["resize", image, "16M"])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
    }

    static func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * i)) }
    }

    static func put64(_ bytes: inout [UInt8], _ at: Int, _ value: UInt64) {
        for i in 0..<8 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * i)) }
    }

    static func get64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[at + $1]) }
    }

    static func inspect(_ bytes: [UInt8]) throws -> ImageInfo {
        try QCOW2Format.inspect(MemoryByteSource(bytes), context: InspectContext(filename: "hostile.qcow2", resolver: nil))
    }

    /// The error inspecting `bytes` gives; records an issue when there is none.
    static func inspectError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ImageError? {
        #expect(throws: ImageError.self, sourceLocation: sourceLocation) { try inspect(bytes) }
        do { _ = try inspect(bytes) } catch let error as ImageError { return error } catch {}
        return nil
    }

    static let available = QemuImg.available

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func truncationAtEveryHeaderBoundaryIsACleanError() throws {
        let image = try Self.realImage()
        for cut in [0, 3, 4, 7, 8, 16, 20, 24, 32, 36, 40, 48, 56, 60, 64, 71, 72, 80, 88, 96, 100, 103, 104, 111, 112, 200, 4095, 4096] {
            let error = Self.inspectError(Array(image.prefix(cut)))
            #expect(error?.kind == .truncated && error?.offset != nil, "cut at \(cut): \(error.map { "\($0.kind): \($0.message)" } ?? "no error")")
        }
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func wrongMagicAndUnsupportedVersionsAreRefused() throws {
        var image = try Self.realImage()
        image[0] = 0x52
        let magicError = Self.inspectError(image)
        #expect(magicError?.kind == .badMagic && magicError?.offset == 0)
        image = try Self.realImage()
        Self.put32(&image, 4, 4)
        let error = Self.inspectError(image)
        #expect(error?.offset == 4)
        #expect(error?.kind == .unsupported)
    }

    @Test(.enabled(if: available, "qemu-img is not installed"),
          arguments: [(20, UInt64(40), "cluster_bits"), (20, 8, "cluster_bits"), (36, 0xFFFF_FFFF, "l1_size"),
                      (36, 0, "l1_size"), (96, 7, "refcount_order"), (32, 3, "crypt_method"), (60, 2_000_000, "nb_snapshots"),
                      (56, 0x00FF_FFFF, "refcount_table_clusters"), (100, 50, "header_length"), (100, 1 << 20, "header_length")])
    func absurd32BitFieldsAreRefusedByName(field: (offset: Int, value: UInt64, name: String)) throws {
        var image = try Self.realImage()
        Self.put32(&image, field.offset, UInt32(field.value))
        let error = Self.inspectError(image)
        #expect(error?.message.contains(field.name) == true, "\(error?.message ?? "no error")")
    }

    @Test(.enabled(if: available, "qemu-img is not installed"),
          arguments: [(40, UInt64(4097), "l1_table_offset"), (40, 1 << 50, "L1 table"), (48, 100, "refcount_table_offset"),
                      (8, 1 << 40, "backing_file_offset"), (64, 12345, "snapshots_offset"),
                      (24, UInt64.max, "l1_size"), (24, 1 << 62, "l1_size")])
    func outOfRangeOffsetsAreRefusedByName(field: (offset: Int, value: UInt64, name: String)) throws {
        var image = try Self.realImage()
        Self.put64(&image, field.offset, field.value)
        if field.name == "snapshots_offset" { Self.put32(&image, 60, 1) }
        let error = Self.inspectError(image)
        #expect(error?.message.contains(field.name) == true, "\(error?.message ?? "no error")")
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func aBackingNameTooLongOrPastTheFileIsRefused() throws {
        var image = try Self.realImage()
        Self.put64(&image, 8, 512)
        Self.put32(&image, 16, 5000)
        #expect(Self.inspectError(image)?.message.contains("backing_file_size") == true)
        Self.put64(&image, 8, 4050)
        Self.put32(&image, 16, 90)
        #expect(Self.inspectError(image)?.message.contains("backing_file_size") == true)
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func aHeaderExtensionRunningPastTheClusterIsRefused() throws {
        var image = try Self.realImage("cluster_size=65536")
        // qemu-img writes its first extension (the feature name table) right after the 112-byte header.
        Self.put32(&image, 116, 0xFFFF_FFF0)
        let error = Self.inspectError(image)
        #expect(error?.offset == 112)
        #expect(error?.kind == .outOfRange)
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func millionsOfBitmapsAreRefused() throws {
        let directory = try Scratch()
        let file = directory.file("b.qcow2")
        try QemuImg.run(["create", "-f", "qcow2", file, "16M"])
        try QemuImg.run(["bitmap", "--add", file, "b0"])
        var image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let marker: [UInt8] = [0x23, 0x85, 0x28, 0x75]
        let ext = try #require((0..<4096).first { Array(image[$0..<($0 + 4)]) == marker })
        Self.put32(&image, ext + 8, 3_000_000)
        #expect(Self.inspectError(image)?.message.contains("3000000 bitmaps") == true)
        Self.put32(&image, ext + 8, 50_000)
        Self.put64(&image, ext + 16, 1 << 40)
        let info = try Self.inspect(image)
        #expect(info.warnings.contains { $0.contains("bitmap directory") })
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func anUnnamedExternalDataFileIsAWarningAndCannotBeRead() throws {
        var image = try Self.realImage()
        image[79] |= 4
        let info = try Self.inspect(image)
        #expect(info.warnings.contains { $0.contains("external data file") })
        #expect(!info.isSelfContained)
        let error = try #require(throws: ImageError.self) {
            try ImageInspector().openGuest(MemoryByteSource(image), filename: "hostile.qcow2")
        }
        #expect(error.kind == .invalid && error.file == "hostile.qcow2")
        #expect(error.message.contains("does not name it"))
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func aLUKSPointerPastTheFileStillReportsEncryption() throws {
        let directory = try Scratch()
        let file = try QCOW2Tests.create(directory, "luks.qcow2", options: "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=200",
                                  size: "1M", extra: ["--object", "secret,id=sec0,data=abc"])
        var image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let marker: [UInt8] = [0x05, 0x37, 0xBE, 0x77]
        let ext = try #require((0..<4096).first { Array(image[$0..<($0 + 4)]) == marker })
        Self.put64(&image, ext + 8, 1 << 45)
        let info = try Self.inspect(image)
        #expect(info.encrypted)
        #expect(info.encryptionFormat == .luks)
        #expect(info.warnings.contains { $0.contains("LUKS header") && $0.contains("truncated") })
        Self.put32(&image, ext + 4, 24)
        #expect(Self.inspectError(image)?.message.contains("not 16") == true)
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func anUnknownCompressionTypeIsRefused() throws {
        var image = try Self.realImage()
        image[104] = 5
        let error = Self.inspectError(image)
        #expect(error?.offset == 104)
        #expect(error?.message.contains("compression_type") == true)
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func l1AndL2EntriesPointingOutsideTheFileNameTheirIndex() throws {
        let image = try Self.realImage()
        let l1 = Int(Self.get64(image, 40))
        for (value, expected) in [(UInt64(1) << 50, ImageError.Kind.truncated), (UInt64(4096 + 512), .outOfRange)] {
            var patched = image
            Self.put64(&patched, l1, value | QCOW2ClusterMap.copiedFlag)
            let (_, disk) = try ImageInspector().openGuest(MemoryByteSource(patched), filename: "hostile.qcow2")
            let error = try #require(throws: ImageError.self) { try disk.read(at: 0, count: 16) }
            #expect(error.message.contains("L1 entry 0"))
            #expect(error.kind == expected && error.offset != nil, "\(error.kind): \(error.message)")
        }
        var patched = image
        let l2 = Int(Self.get64(image, l1) & QCOW2ClusterMap.offsetMask)
        Self.put64(&patched, l2 + 8, 4096 * 5 + 1024 | QCOW2ClusterMap.copiedFlag)
        let (_, disk) = try ImageInspector().openGuest(MemoryByteSource(patched), filename: "hostile.qcow2")
        let error = try #require(throws: ImageError.self) { try disk.read(at: 4096, count: 16) }
        #expect(error.message.contains("L2 entry 1"))
        #expect(error.kind == .outOfRange && error.offset != nil)
        #expect(try disk.read(at: 0, count: 16).count == 16)
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func contradictorySubclusterBitmapsAreCleanErrors() throws {
        let image = try Self.realImage("cluster_size=65536,extended_l2=on")
        let l1 = Int(Self.get64(image, 40))
        let l2 = Int(Self.get64(image, l1) & QCOW2ClusterMap.offsetMask)
        #expect(Self.get64(image, l2 + 8) & 0xFFFF_FFFF == 0xFFFF_FFFF)
        var both = image
        Self.put64(&both, l2 + 8, 0x0000_0004_FFFF_FFFF)
        let (_, disk) = try ImageInspector().openGuest(MemoryByteSource(both), filename: "hostile.qcow2")
        let error = try #require(throws: ImageError.self) { try disk.read(at: 0, count: 65536) }
        #expect(error.message.contains("L2 entry 0"))
        #expect(error.message.contains("subcluster 2"))
        #expect(error.kind == .outOfRange && error.offset != nil)
        var orphan = image
        Self.put64(&orphan, l2, 0)
        Self.put64(&orphan, l2 + 8, 1)
        let (_, second) = try ImageInspector().openGuest(MemoryByteSource(orphan), filename: "hostile.qcow2")
        let orphanError = try #require(throws: ImageError.self) { try second.read(at: 0, count: 512) }
        #expect(orphanError.message.contains("unallocated cluster"))
        #expect(orphanError.kind == .outOfRange && orphanError.offset != nil)
    }

    @Test(.enabled(if: available, "qemu-img is not installed"))
    func compressedGarbageIsACleanError() throws {
        let image = try Self.realImage("cluster_size=4096")
        let l1 = Int(Self.get64(image, 40))
        let l2 = Int(Self.get64(image, l1) & QCOW2ClusterMap.offsetMask)
        var patched = image
        // Point cluster 0 at the header itself as if it were compressed, spanning 8 sectors.
        Self.put64(&patched, l2, QCOW2ClusterMap.compressedFlag | 7 << 58 | 0)
        let (_, disk) = try ImageInspector().openGuest(MemoryByteSource(patched), filename: "hostile.qcow2")
        #expect(throws: ImageError.self) { try disk.read(at: 0, count: 4096) }
        // And past the end of the file.
        Self.put64(&patched, l2, QCOW2ClusterMap.compressedFlag | 1 << 40)
        let (_, far) = try ImageInspector().openGuest(MemoryByteSource(patched), filename: "hostile.qcow2")
        let error = try #require(throws: ImageError.self) { try far.read(at: 0, count: 4096) }
        #expect(error.message.contains("L2 entry 0"))
        #expect(error.kind == .truncated && error.offset != nil)
    }

    @Test func luksHeadersTruncatedOrAbsurdAreCleanErrors() throws {
        var luks1 = [UInt8](repeating: 0, count: 4096)
        luks1[0..<6] = [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]
        luks1[7] = 1
        let context = InspectContext(filename: "x.luks", resolver: nil)
        for cut in [6, 8, 100, 300, 591] {
            #expect(throws: ImageError.self) { try LUKSFormat.inspect(MemoryByteSource(Array(luks1.prefix(cut))), context: context) }
        }
        // A payload offset past the end of the file is a warning and a zero-sized disk.
        Self.put32(&luks1, 104, 0xFFFF_FFFF)
        let info = try LUKSFormat.inspect(MemoryByteSource(luks1), context: context)
        #expect(info.virtualSize == 0)
        #expect(info.warnings.contains { $0.contains("payload offset") })

        var luks2 = luks1
        luks2[7] = 2
        Self.put64(&luks2, 8, 1 << 50)
        #expect(throws: ImageError.self) { try LUKSFormat.inspect(MemoryByteSource(luks2), context: context) }
        Self.put64(&luks2, 8, 16384)
        luks2 += [UInt8](repeating: 0, count: 16384 - luks2.count)
        let garbage = Array(#"{"segments":{"0":{"offset":"x"#.utf8)
        luks2.replaceSubrange(4096..<(4096 + garbage.count), with: garbage)
        let error = try #require(throws: ImageError.self) { try LUKSFormat.inspect(MemoryByteSource(luks2), context: context) }
        #expect(error.message.contains("LUKS2 JSON area"))
        let deep = Array((String(repeating: "[", count: 5000)).utf8)
        luks2.replaceSubrange(4096..<(4096 + deep.count), with: deep)
        #expect(throws: ImageError.self) { try LUKSFormat.inspect(MemoryByteSource(luks2), context: context) }
        var version3 = luks1
        version3[7] = 3
        #expect(throws: ImageError.self) { try LUKSFormat.inspect(MemoryByteSource(version3), context: context) }
    }
}
