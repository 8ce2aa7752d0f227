import Foundation
import Testing
@testable import DiskImage

/// Helpers the VHD and VHDX tests share: patterned raw disks, byte patching, checksums.
enum VHDTestKit {
    /// Expects reading a header with `inspect` to fail with an `ImageError` of `kind` that names
    /// the offset it concerns and whose message contains `text` (the field); a header read, or
    /// another error, is recorded as the failure.
    static func expectError(_ kind: ImageError.Kind, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation,
                            _ inspect: () throws -> ImageInfo) {
        do {
            let info = try inspect()
            Issue.record("expected an error mentioning \"\(text)\", got \(info.json.serialized(indent: nil))",
                         sourceLocation: sourceLocation)
        } catch let error as ImageError {
            #expect(error.kind == kind, "\(error.kind): \(error.message)", sourceLocation: sourceLocation)
            #expect(error.offset != nil, "no offset: \(error.message)", sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not an ImageError: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// A raw disk of `size` bytes: each 512-byte sector carries its number and a byte pattern,
    /// except two holes of zeros (1 MiB + 3 KiB at 1 MiB, and the 1 MiB at 4 MiB when it fits).
    static func pattern(size: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        for sector in 0..<(size / 512) {
            let start = sector * 512
            if (start >= 1 << 20 && start < (2 << 20) + 3072) || (start >= 4 << 20 && start < 5 << 20) { continue }
            for i in 0..<512 { bytes[start + i] = UInt8(truncatingIfNeeded: sector &* 31 &+ i &* 7 &+ 1) | 1 }
            bytes[start] = UInt8(truncatingIfNeeded: sector)
            bytes[start + 1] = UInt8(truncatingIfNeeded: sector >> 8)
        }
        return bytes
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func putBE(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt64, width: Int) {
        for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - i))) }
    }

    static func putLE(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt64, width: Int) {
        for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    static func getLE(_ bytes: [UInt8], _ offset: Int, width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    static func getBE(_ bytes: [UInt8], _ offset: Int, width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }

    /// Recomputes a VHD checksum (one's complement of the byte sum) in place.
    static func fixVHDChecksum(_ bytes: inout [UInt8], structure: Int, length: Int, field: Int) {
        putBE(&bytes, structure + field, 0, width: 4)
        let sum = bytes[structure..<(structure + length)].reduce(UInt32(0)) { $0 &+ UInt32($1) }
        putBE(&bytes, structure + field, UInt64(~sum), width: 4)
    }

    /// Recomputes a VHDX CRC-32C (stored little-endian at `structure + 4`) in place.
    static func fixVHDXChecksum(_ bytes: inout [UInt8], structure: Int, length: Int) {
        putLE(&bytes, structure + 4, 0, width: 4)
        let crc = CRC32C.checksum(bytes[structure..<(structure + length)])
        putLE(&bytes, structure + 4, UInt64(crc), width: 4)
    }

    static func utf16LE(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    /// Holds every byte of `disk` against `expected` (zeros past its end), a MiB at a time, and
    /// a few odd reads across block boundaries.
    static func expectSameGuest(_ disk: any ByteSource, _ expected: [UInt8], blockSize: Int,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        func want(_ offset: Int, _ count: Int) -> [UInt8] {
            (offset..<(offset + count)).map { $0 < expected.count ? expected[$0] : 0 }
        }
        let size = Int(disk.size)
        var offset = 0
        while offset < size {
            let count = min(1 << 20, size - offset)
            let got = try disk.read(at: UInt64(offset), count: count)
            #expect(got == want(offset, count), "guest bytes differ in the MiB at \(offset)", sourceLocation: sourceLocation)
            offset += count
        }
        for (start, count) in [(blockSize - 777, 5000), (blockSize + 511, 1), ((1 << 20) - 3, 4099), (size - 1000, 1000)]
        where start >= 0 && start + count <= size {
            let got = try disk.read(at: UInt64(start), count: count)
            #expect(got == want(start, count), "odd read of \(count) at \(start) differs", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct VHDTests {
    static let qemu = QemuImg.available

    @Test(.enabled(if: qemu, "qemu-img is not installed"),
          arguments: ["1M", "10M", "104857601", "127G", "2040G"], [false, true])
    func aDynamicVHDAgreesWithQemuImgOnItsCHSRoundedOrForcedSize(size: String, forceSize: Bool) throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc"] + (forceSize ? ["-o", "force_size=on"] : []) + [file, size])
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "vpc")
        #expect(info.subformat == "dynamic")
        #expect(info.clusterSize == 2 << 20)
        #expect(info.isSelfContained)
        #expect(!info.corrupt)
        #expect(info.warnings.isEmpty)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"), arguments: [65536, 10 << 20, (100 << 20) + 512])
    func aFixedVHDIsVpcWithTheSizeItWasCreatedWith(size: Int) throws {
        let directory = try Scratch()
        let file = directory.file("fixed.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", "-o", "subformat=fixed,force_size=on", file, String(size)])
        // qemu-img probes a fixed VHD as raw: the file's whole length, footer included.
        try expectAgreesWithQemu(file, exceptions: ["format", "virtual-size", "format-specific"])
        // Told it is vpc, qemu-img reads the footer as koopack does.
        try expectAgreesWithQemu(file, qemuFormat: "vpc")
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "vpc")
        #expect(info.subformat == "fixed")
        #expect(info.virtualSize == UInt64(size))
        #expect(info.clusterSize == nil)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aFixedVHDWithoutForcedSizeUsesItsCHSGeometryAsQemuDoes() throws {
        let directory = try Scratch()
        let file = directory.file("fixed.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", "-o", "subformat=fixed", file, "10M"])
        try expectAgreesWithQemu(file, qemuFormat: "vpc")
        #expect(try ImageInspector().inspect(path: file).virtualSize == 10_514_432)
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDamagedFooterChecksumIsAWarningAndMarksTheImageCorrupt() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", file, "10M"])
        var bytes = try VHDTestKit.readFile(file)
        bytes[0x44] ^= 0xFF  // a UUID byte: the stored checksum no longer matches
        let info = try ImageInspector().inspectHeader(MemoryByteSource(bytes), filename: "disk.vhd")
        #expect(info.corrupt)
        #expect(info.warnings.contains { $0.contains("footer checksum at offset 64") })
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aDamagedDynamicHeaderChecksumIsAWarningAndMarksTheImageCorrupt() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", file, "10M"])
        var bytes = try VHDTestKit.readFile(file)
        bytes[512 + 60] ^= 0x01  // a reserved byte of the dynamic header
        let info = try ImageInspector().inspectHeader(MemoryByteSource(bytes), filename: "disk.vhd")
        #expect(info.corrupt)
        #expect(info.warnings.contains { $0.contains("dynamic header checksum at offset 548") })
    }

    @Test(.enabled(if: qemu, "qemu-img is not installed"))
    func aHyperVCreatorMakesTheCurrentSizeCount() throws {
        let directory = try Scratch()
        let file = directory.file("disk.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", file, "10M"])
        var bytes = try VHDTestKit.readFile(file)
        for copy in [0, bytes.count - 512] {
            bytes.replaceSubrange((copy + 28)..<(copy + 32), with: Array("win ".utf8))
            VHDTestKit.putBE(&bytes, copy + 48, 10 << 20, width: 8)
            VHDTestKit.fixVHDChecksum(&bytes, structure: copy, length: 512, field: 64)
        }
        try VHDTestKit.writeFile(file, bytes)
        try expectAgreesWithQemu(file)
        #expect(try ImageInspector().inspect(path: file).virtualSize == 10 << 20)
    }
}
