import Foundation
import Testing
@testable import DiskImage

/// Raw LUKS containers: LUKS1 made by qemu-img and held against it; LUKS2 made by cryptsetup and
/// held against `cryptsetup luksDump` and the options it was made with.
@Suite struct LUKSTests {
    static func makeLUKS1(_ directory: Scratch, _ name: String, options: String = "", size: String = "4M") throws -> String {
        let file = directory.file(name)
        let arguments = ["create", "-f", "luks", "--object", "secret,id=sec0,data=abc",
                         "-o", "key-secret=sec0,iter-time=200" + (options.isEmpty ? "" : "," + options), file, size]
        // qemu-img times PBKDF2 to pick its iteration count and gives up ("Unable to get
        // accurate CPU usage") when a busy machine starves it: that is qemu-img's, not the
        // container's, so it is tried again.
        var attempt = 0
        while true {
            attempt += 1
            do {
                try QemuImg.run(arguments)
                return file
            } catch where attempt < 5 && "\(error)".contains("Unable to get accurate CPU usage") {
                try? FileManager.default.removeItem(atPath: file)
            }
        }
    }

    static var cryptsetup: String? {
        ["/usr/sbin/cryptsetup", "/sbin/cryptsetup", "/usr/bin/cryptsetup"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"),
          arguments: ["", "cipher-alg=aes-128,cipher-mode=cbc,ivgen-alg=essiv,ivgen-hash-alg=sha256,hash-alg=sha1",
                      "cipher-alg=twofish-256", "cipher-alg=aes-128,ivgen-alg=plain"])
    func aLUKS1ContainerAgreesWithQemuImg(options: String) throws {
        let directory = try Scratch()
        let file = try Self.makeLUKS1(directory, "disk.luks", options: options)
        try expectAgreesWithQemu(file)
        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "luks")
        #expect(info.encrypted)
        #expect(info.encryptionFormat == .luks)
        #expect(info.virtualSize == 4 << 20)
        #expect(info.warnings.isEmpty)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aLUKS1GuestCannotBeReadWithoutTheKey() throws {
        let directory = try Scratch()
        let file = try Self.makeLUKS1(directory, "disk.luks")
        let error = try #require(throws: ImageError.self) { try ImageInspector().openGuest(path: file) }
        #expect(error.kind == .unsupported && error.file == file, "\(error.kind): \(error)")
        #expect(error.message.contains("encrypted: the guest cannot be read without the key"))
    }

    @Test(.enabled(if: LUKSTests.cryptsetup != nil, "cryptsetup is not installed"))
    func aLUKS2ContainerReportsItsSegmentAndLabel() throws {
        let tool = try #require(Self.cryptsetup)
        let directory = try Scratch()
        let file = directory.file("disk.luks2")
        let size = 24 << 20
        FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        let key = try directory.write("key", Array("abc".utf8))
        try Tool.run(tool, ["luksFormat", "--type", "luks2", "--batch-mode", "--key-file", key, "--pbkdf", "pbkdf2",
                               "--pbkdf-force-iterations", "1000", "--label", "koolabel", "--sector-size", "4096",
                               "--cipher", "aes-xts-plain64", file])
        let dump = try Tool.run(tool, ["luksDump", file])
        let uuid = try #require(dump.split(separator: "\n").first { $0.hasPrefix("UUID:") })
            .split(separator: "\t").last.map { $0.trimmingCharacters(in: .whitespaces) }
        let offsetLine = try #require(dump.split(separator: "\n").first { $0.contains("offset:") && $0.contains("[bytes]") })
        let offset = try #require(UInt64(offsetLine.split(separator: " ").dropFirst().first ?? ""))

        let info = try ImageInspector().inspect(path: file)
        #expect(info.format == "luks")
        #expect(info.subformat == "luks2")
        #expect(info.encrypted)
        #expect(info.virtualSize == UInt64(size) - offset)
        let data = info.formatSpecific?["data"]
        #expect(data?["uuid"] == .string(uuid ?? "?"))
        #expect(data?["label"] == .string("koolabel"))
        #expect(data?["cipher"] == .string("aes-xts-plain64"))
        #expect(data?["sector-size"] == .uint(4096))
        #expect(data?["payload-offset"] == .uint(offset))
        #expect(data?["keyslots"] == .uint(1))
        #expect(throws: ImageError.self) { try ImageInspector().openGuest(path: file) }
    }

    /// LUKS2's JSON area is read by the shared bounded parser, which refuses nesting without end.
    @Test func theJSONAreaParserRefusesNestingWithoutEnd() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: ImageError.self) { try JSONParser.parse(Array(deep.utf8), maximumInputBytes: 1 << 22) }
    }
}
