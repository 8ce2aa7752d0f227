import Foundation
import Testing
@testable import DiskImage

/// qcow2 headers made by qemu-img, held against `qemu-img info --output=json`.
@Suite struct QCOW2Tests {
    /// Creates `name` with `qemu-img create -f qcow2 -o options` and returns its path.
    static func create(_ directory: Scratch, _ name: String, options: String? = nil,
                       size: String = "16M", extra: [String] = []) throws -> String {
        let file = directory.file(name)
        var arguments = ["create", "-f", "qcow2"] + extra
        if let options { arguments += ["-o", options] }
        // Run in the image's directory: qemu-img creates a relative data_file in its working directory.
        try QemuImg.run(arguments + [file, size], in: directory.path)
        return file
    }

    /// Sets bits in the big-endian 64-bit feature field at `offset` of a file.
    static func setFeatureBits(_ file: String, offset: Int, bits: UInt64) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[offset + i]) }
        value |= bits
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * i)) }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"),
          arguments: [
            "compat=0.10", "compat=1.1", "compat=0.10,cluster_size=512", "cluster_size=512",
            "cluster_size=4096", "cluster_size=2M", "lazy_refcounts=on", "extended_l2=on",
            "extended_l2=on,cluster_size=2M", "compression_type=zstd", "refcount_bits=1", "refcount_bits=2",
            "refcount_bits=4", "refcount_bits=8", "refcount_bits=32", "refcount_bits=64",
            "compat=0.10,refcount_bits=16", "preallocation=metadata",
          ])
    func everyCreateOptionAgreesWithQemuImg(options: String) throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "disk.qcow2", options: options)
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "qcow2")
        #expect(info.virtualSize == 16 << 20)
        #expect(info.warnings.isEmpty)
        #expect(info.actualSize != nil)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aVersion2ImagePrintsOnlyTheVersion2Keys() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "old.qcow2", options: "compat=0.10")
        let data = try #require(koopackInfo(file)["format-specific"] as? [String: Any])["data"] as? [String: Any]
        #expect(Set(try #require(data).keys) == ["compat", "compression-type", "refcount-bits"])
        #expect(data?["compat"] as? String == "0.10")
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aDirtyQCOW2ReportsTheDirtyFlag() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "dirty.qcow2", options: "lazy_refcounts=on")
        try Self.setFeatureBits(file, offset: 72, bits: 1)
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.dirty == true)
        #expect(try QemuImg.info(file)["dirty-flag"] as? Bool == true)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aCorruptQCOW2ReportsTheCorruptBit() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "corrupt.qcow2")
        try Self.setFeatureBits(file, offset: 72, bits: 2)
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.corrupt)
        #expect(info.formatSpecific?["data"]?["corrupt"] == .bool(true))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func anUnknownIncompatibleFeatureIsAWarningNamingItsBit() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "future.qcow2")
        try Self.setFeatureBits(file, offset: 72, bits: 1 << 40)
        let info = try ImageInspector().inspect(path: file)
        let warning = try #require(info.warnings.first { $0.contains("unknown incompatible") })
        #expect(warning.contains("bit 40"))
        #expect(throws: (any Error).self) { try QemuImg.info(file) }
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func anUnknownIncompatibleFeatureIsNamedFromTheFeatureTable() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "named.qcow2")
        // qemu-img writes a feature name table; rename the entry for incompatible bit 0 to bit 9.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let marker: [UInt8] = [0x68, 0x03, 0xF8, 0x57]
        let table = try #require((0..<4096).first { Array(bytes[$0..<($0 + 4)]) == marker }) + 8
        #expect(bytes[table] == 0 && bytes[table + 1] == 0)
        bytes[table + 1] = 9
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try Self.setFeatureBits(file, offset: 72, bits: 1 << 9)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.warnings.contains { $0.contains("dirty bit (bit 9)") })
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aBackingFileAndItsFormatAreReported() throws {
        let directory = try Scratch()
        _ = try Self.create(directory, "base.qcow2")
        let overlay = directory.file("overlay.qcow2")
        try QemuImg.run(["create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", overlay])
        try expectAgreesWithQemu(overlay)
        let info = try ImageInspector().inspect(path: overlay)
        #expect(info.backingFilename == "base.qcow2")
        #expect(info.backingFormat == "qcow2")
        #expect(info.backingChain.count == 1)
        #expect(!info.isSelfContained)

        let v2 = directory.file("overlay-v2.qcow2")
        try QemuImg.run(["create", "-f", "qcow2", "-o", "compat=0.10", "-b", overlay, "-F", "qcow2", v2])
        try expectAgreesWithQemu(v2)
        #expect(try ImageInspector().inspect(path: v2).backingChain.count == 2)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: ["off", "on"])
    func anExternalDataFileIsReported(raw: String) throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "meta.qcow2", options: "data_file=data.raw,data_file_raw=\(raw)")
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.externalDataFile == "data.raw")
        #expect(FileManager.default.fileExists(atPath: directory.file("data.raw")))
        #expect(!info.isSelfContained)
        #expect(info.formatSpecific?["data"]?["data-file-raw"] == .bool(raw == "on"))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func persistentBitmapsAreListedAsQemuListsThem() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "bitmaps.qcow2")
        try QemuImg.run(["bitmap", "--add", "-g", "131072", file, "first"])
        try QemuImg.run(["bitmap", "--add", "--disable", file, "second"])
        try expectAgreesWithQemu(file)
        let bitmaps = try ImageInspector().inspect(path: file).formatSpecific?["data"]?["bitmaps"]
        guard case let .array(items)? = bitmaps else { Issue.record("no bitmaps"); return }
        #expect(items.count == 2)
        #expect(items.first?["name"] == .string("first"))
        #expect(items.first?["granularity"] == .uint(131072))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aesEncryptionIsReported() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "aes.qcow2", options: "compat=0.10,encrypt.format=aes,encrypt.key-secret=sec0",
                                   extra: ["--object", "secret,id=sec0,data=abc"])
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.encrypted)
        #expect(info.encryptionFormat == .aes)
        #expect(throws: ImageError.self) { try ImageInspector().openGuest(path: file) }
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func luksEncryptionIsReportedWithTheLUKSHeaderFields() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "luks.qcow2",
                            options: "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=200,encrypt.cipher-alg=aes-128,encrypt.cipher-mode=cbc,encrypt.ivgen-alg=essiv,encrypt.ivgen-hash-alg=sha256",
                            size: "4M", extra: ["--object", "secret,id=sec0,data=abc"])
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.encrypted)
        #expect(info.encryptionFormat == .luks)
        let encrypt = info.formatSpecific?["data"]?["encrypt"]
        #expect(encrypt?["format"] == .string("luks"))
        #expect(encrypt?["cipher-alg"] == .string("aes-128"))
        #expect(encrypt?["ivgen-hash-alg"] == .string("sha256"))
        let error = try #require(throws: ImageError.self) { try ImageInspector().openGuest(path: file) }
        #expect(error.kind == .unsupported && error.file == file, "\(error.kind): \(error)")
    }

    /// The committed fixtures of `testdata/images/make-qcow2.sh`, found from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("testdata/images").path

    /// The 1 MiB disk make-qcow2.sh converts: numbered text lines in the first and last 64 KiB.
    static func fixtureDisk() -> [UInt8] {
        let lines = (0..<1000).map { String(format: "koopack qcow2 fixture block %04d.....................................\n", $0) }
        let text = Array(lines.joined().utf8)
        return Array(text.prefix(65536)) + [UInt8](repeating: 0, count: 983_040 - 65536) + Array(text.prefix(65536))
    }

    @Test(arguments: ["qcow2-v2-compressed.qcow2", "qcow2-v3-extl2-zstd.qcow2"])
    func aCommittedFixtureMatchesItsRecordedQemuJSONAndItsDisk(name: String) throws {
        let path = Self.fixtures + "/" + name
        let recorded = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: path + ".qemu.json"))) as? [String: Any])
        var mine = try koopackInfo(path)
        var theirs = recorded
        for key in ["filename", "actual-size"] { mine[key] = nil; theirs[key] = nil }
        let differences = disagreements(mine, theirs)
        #expect(differences.isEmpty, "\(differences)")
        let (_, disk) = try ImageInspector().openGuest(path: path)
        let truth = Self.fixtureDisk()
        #expect(disk.size == UInt64(truth.count))
        #expect(try disk.read(at: 0, count: truth.count) == truth)
        #expect(try disk.read(at: 65_000, count: 1_000) == Array(truth[65_000..<66_000]))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func readingTheHeaderTakesAFewSmallReads() throws {
        let directory = try Scratch()
        let file = try Self.create(directory, "big.qcow2", options: "cluster_size=2M,preallocation=metadata", size: "64G")
        let counting = CountingByteSource(try FileByteSource(path: file))
        _ = try ImageInspector().inspectHeader(counting, filename: file)
        #expect(counting.bytesRead < 16 << 10)
        #expect(counting.reads < 20)
    }

    @Test func probeClaimsVersion2And3ButNotQcowVersion1() {
        func score(_ version: UInt8) -> Int {
            let head: [UInt8] = [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, version] + [UInt8](repeating: 0, count: 100)
            return QCOW2Format.probe(ProbeInput(head: ByteWindow(head), filename: "x", source: MemoryByteSource(head)))
        }
        #expect(score(1) == 0)
        #expect(score(2) == 100)
        #expect(score(3) == 100)
    }
}
