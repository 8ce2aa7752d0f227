import Foundation
import Testing

/// `koopack convert` run as a user would: the raw disk of every format equals what
/// `qemu-img convert -O raw` writes, ZVHD and ZVHD2 give the SHA-256 their driver reads back,
/// and OUT is never half-written.
@Suite struct ConvertCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let images = root.appendingPathComponent("testdata/images").path
    static let zvhd = root.appendingPathComponent("testdata/zvhd").path
    static let openssl = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    static func sha256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["dgst", "-sha256", "-r", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix { $0 != " " })
    }

    /// The driver-written ZVHD and ZVHD2 images and the SHA-256 of the disk the driver reads.
    static let zvhdCases: [(image: String, sha256: String)] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: zvhd)) ?? []
        return names.filter { $0.hasSuffix(".expected.json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: zvhd + "/" + name),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let image = object["image"] as? String, let sha = object["raw_sha256"] as? String else { return nil }
            return (image, sha)
        }
    }()

    @Test(.enabled(if: openssl, "needs openssl"), arguments: zvhdCases.map(\.image))
    func aZVHDOrZVHD2ExportConvertsToTheDiskItsDriverReadsBack(image: String) throws {
        let expected = try #require(Self.zvhdCases.first { $0.image == image }?.sha256)
        let scratch = try Scratch()
        let out = scratch.file("disk.raw")
        let run = try KoopackBinary.run(["convert", Self.zvhd + "/" + image, out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty && run.stderr.isEmpty, "no progress bar off a terminal: \(run.stderr)")
        #expect(try Self.sha256(out) == expected)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0 != "disk.raw" }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// Every committed fixture qemu-img reads as koopack does (not the fixed VHD, whose footer
    /// qemu-img takes for data, nor the LUKS image, whose key koopack does not ask for): the
    /// same bytes as `qemu-img convert -O raw`, backing chains and split extents included.
    @Test(.enabled(if: QemuImg.available, "needs qemu-img"), arguments: [
        "qcow2-v2-compressed.qcow2", "qcow2-v3-extl2-zstd.qcow2", "qcow2-overlay.qcow2", "qcow-backed.qcow",
        "qcow-1m.qcow", "qed-4k.qed", "qed-raw-backed.qed", "stream.vmdk", "sparse.vmdk", "split.vmdk",
        "vmdk-2gbflat.vmdk", "vhdx-dynamic.vhdx", "vdi-dynamic.vdi", "vdi-static.vdi", "parallels-4k.hdd",
        "raw-64k.img", "boot.iso", "disk.zvhd",
    ])
    func aFixtureConvertsToTheBytesQemuImgWrites(image: String) throws {
        let scratch = try Scratch()
        let mine = scratch.file("koopack.raw"), theirs = scratch.file("qemu.raw")
        let run = try KoopackBinary.run(["convert", Self.images + "/" + image, mine])
        #expect(run.status == 0, "\(run.stderr)")
        try QemuImg.run(["convert", "-O", "raw", Self.images + "/" + image, theirs])
        #expect(FileManager.default.contentsEqual(atPath: mine, andPath: theirs), "\(image) differs from qemu-img's raw")
    }

    /// A disk with data in every region, in each format qemu-img writes (qcow2 compressed and
    /// with a backing chain, VMDK streamOptimized, VHDX, VHD, VDI, QED): koopack's raw is
    /// qemu-img's, byte for byte.
    @Test(.enabled(if: QemuImg.available, "needs qemu-img"), arguments: [
        ("qcow2", ["-c"]), ("vmdk", ["-o", "subformat=streamOptimized"]), ("vhdx", []), ("vpc", []),
        ("vdi", []), ("qed", []), ("qcow2", []),
    ])
    func everyFormatConvertsToTheBytesQemuImgWrites(format: String, options: [String]) throws {
        let scratch = try Scratch()
        let raw = try Self.patternedDisk(in: scratch)
        let image = scratch.file("disk.\(format)")
        try QemuImg.run(["convert", "-O", format] + options + [raw, image])
        try expectSameRaw(image, scratch)
    }

    @Test(.enabled(if: QemuImg.available, "needs qemu-img"))
    func aBackingChainConvertsToTheBytesQemuImgWrites() throws {
        let scratch = try Scratch()
        let raw = try Self.patternedDisk(in: scratch)
        try QemuImg.run(["convert", "-c", "-O", "qcow2", raw, scratch.file("base.qcow2")])
        try QemuImg.run(["create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", scratch.file("mid.qcow2")])
        try QemuImg.run(["create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", scratch.file("top.qcow2")])
        let patch = scratch.file("patch.raw")
        FileManager.default.createFile(atPath: patch, contents: Data(repeating: 0xEE, count: 70_000))
        try QemuImg.run(["dd", "-f", "raw", "-O", "qcow2", "if=\(patch)", "of=\(scratch.file("top.qcow2"))", "bs=65536", "count=1"])
        try expectSameRaw(scratch.file("top.qcow2"), scratch)
    }

    func expectSameRaw(_ image: String, _ scratch: Scratch, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let mine = scratch.file("koopack.raw"), theirs = scratch.file("qemu.raw")
        let run = try KoopackBinary.run(["convert", image, mine])
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        try QemuImg.run(["convert", "-O", "raw", image, theirs])
        #expect(FileManager.default.contentsEqual(atPath: mine, andPath: theirs), "\(image)", sourceLocation: sourceLocation)
    }

    /// A 48 MiB raw disk: random bytes at the start, in the middle and across the end, a run of
    /// a repeated byte, and holes between.
    static func patternedDisk(in scratch: Scratch) throws -> String {
        let path = scratch.file("pattern.raw")
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 48 << 20)
        var generator = SystemRandomNumberGenerator()
        for (offset, length) in [(0, 300_000), (7 << 20, 2 << 20), (20 << 20 + 4000, 5000), ((48 << 20) - 123_456, 123_456)] {
            try handle.seek(toOffset: UInt64(offset))
            handle.write(Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        }
        try handle.seek(toOffset: 30 << 20)
        handle.write(Data(repeating: 0x42, count: 3 << 20))
        try handle.close()
        return path
    }

    @Test(.enabled(if: QemuImg.available, "needs qemu-img"))
    func aDashWritesEveryByteOfTheDiskToStandardOutput() throws {
        let scratch = try Scratch()
        let image = Self.images + "/qcow2-v2-compressed.qcow2"
        try QemuImg.run(["convert", "-O", "raw", image, scratch.file("qemu.raw")])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: KoopackBinary.path)
        process.arguments = ["convert", image, "-"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(data == (try Data(contentsOf: URL(fileURLWithPath: scratch.file("qemu.raw")))))
    }

    /// A bochs image (bximage): inspect names it as qemu-img does, check says IMS does not import
    /// it (KG113), and convert gives qemu-img's raw.
    @Test(.enabled(if: QemuImg.available && Tool.exists("bximage"), "needs qemu-img and bximage"))
    func aBochsImageIsNamedConvertedAndRefusedByCheck() throws {
        let scratch = try Scratch()
        let image = scratch.file("disk.img")
        try Tool.run("bximage", ["-func=create", "-hd=10M", "-imgmode=growing", "-q", image])
        let theirs = try JSONSerialization.jsonObject(with: Data(try QemuImg.run(["info", "--output=json", image]).utf8)) as? [String: Any]
        let inspect = try parseReports(try KoopackBinary.run(["inspect", "--format", "json", image]).stdout)
        #expect(theirs?["format"] as? String == "bochs")
        #expect(inspect.first?["format"] as? String == "bochs")
        #expect(inspect.first?["virtual-size"] as? Int == theirs?["virtual-size"] as? Int)
        let check = try KoopackBinary.run(["check", "--no-scan", image], environment: ["NO_COLOR": "1"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("KG113") && check.stdout.contains("bochs"), "\(check.stdout)")
        try expectSameRaw(image, scratch)
    }

    @Test func anOutputFormatOtherThanRawIsAUsageError() throws {
        let run = try KoopackBinary.run(["convert", "--format", "qcow2", Self.images + "/raw-64k.img", "/tmp/x"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("qcow2"), "\(run.stderr)")
    }

    @Test func aDamagedZVHD2IsExitTwoNamingTheFileAndOffsetAndNoOutputIsLeft() throws {
        let scratch = try Scratch()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.zvhd + "/zvhd2-zstd-gpt-efi-ext4.zvhd2")))
        // Index entry 1 (at 249856 + 16) now points at the record of entry 0.
        bytes.replaceSubrange((249856 + 16)..<(249856 + 24), with: Array(bytes[249856..<(249856 + 8)]))
        let image = try scratch.write("damaged.zvhd2", bytes)
        let out = scratch.file("out.raw")
        let run = try KoopackBinary.run(["convert", image, out])
        #expect(run.status == 2)
        #expect(run.stderr.contains(image) && run.stderr.contains("offset"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["damaged.zvhd2"])
    }

    /// Killed part-way (SIGTERM), convert leaves no OUT and no temporary file; killed with
    /// SIGKILL it leaves no OUT.
    @Test(arguments: [SIGTERM, SIGKILL])
    func aConvertKilledPartWayLeavesNoOutput(signal: Int32) throws {
        let scratch = try Scratch()
        let source = scratch.file("big.raw")
        FileManager.default.createFile(atPath: source, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
        try handle.truncate(atOffset: 1 << 40)  // a 1 TiB hole: long enough to be caught part-way
        try handle.close()
        let out = scratch.file("out.raw")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: KoopackBinary.path)
        process.arguments = ["convert", source, out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the temporary file: the copy is under way.
        var started = false
        for _ in 0..<500 where !started {
            started = try FileManager.default.contentsOfDirectory(atPath: scratch.path).contains { $0.hasPrefix(".out.raw.koopack-") }
            if !started { usleep(10_000) }
        }
        #expect(started, "no temporary file appeared")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(!FileManager.default.fileExists(atPath: out), "OUT exists after \(signal)")
        if signal == SIGTERM {
            #expect(process.terminationStatus == 128 + SIGTERM)
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["big.raw"])
        }
    }
}
