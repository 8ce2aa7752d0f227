import Foundation
import Testing

@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct VerifyCommandTests {
    /// The example release bundled into `bundle/` (keep the copy alive while using the bundle:
    /// its scratch folder goes with it).
    func bundled() throws -> (ExampleReleaseCopy, String) {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out)
        try #require(run.status == 0, "\(run.stderr)")
        return (release, out)
    }

    @Test func flippingOneByteOfAnyBundledFileFailsVerifyNamingIt() throws {
        let (release, out) = try bundled()
        defer { withExtendedLifetime(release) {} }
        let files = try #require(try readManifest(out)["files"] as? [[String: Any]])
        let paths = files.compactMap { $0["path"] as? String } + ["SHA256SUMS"]
        #expect(paths.count == 8)
        for path in paths {
            let url = URL(fileURLWithPath: out + "/" + path)
            let original = try Data(contentsOf: url)
            var flipped = original
            let offset = flipped.count / 2
            flipped[offset] ^= 0x01
            try flipped.write(to: url)
            let run = try KoopackBinary.run(["verify", out])
            #expect(run.status == 1, "\(path)")
            let lines = run.stdout.split(separator: "\n").filter { !$0.hasPrefix("bundle ") }
            if path == "SHA256SUMS" {
                #expect(lines.count == 1 && lines.allSatisfy { $0.hasPrefix("sha256sums-mismatch: ") }, "\(run.stdout)")
            } else {
                #expect(lines.count == 1, "\(run.stdout)")
                #expect(lines.first?.hasPrefix("altered: \(path): SHA-256 is ") == true, "\(run.stdout)")
            }
            try original.write(to: url)
        }
        #expect(try KoopackBinary.run(["verify", out]).status == 0)
    }

    @Test func aResizedFileIsNamed() throws {
        let (release, out) = try bundled()
        defer { withExtendedLifetime(release) {} }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out + "/day-01/documents/eula.txt"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n".utf8))
        try handle.close()
        let run = try KoopackBinary.run(["verify", out])
        #expect(run.status == 1)
        #expect(run.stdout.contains("resized: day-01/documents/eula.txt: is 1067 bytes, the manifest says 1066"))
    }

    @Test func aMissingFileIsNamed() throws {
        let (release, out) = try bundled()
        defer { withExtendedLifetime(release) {} }
        try FileManager.default.removeItem(atPath: out + "/day-01/images/web.qcow2.json")
        let run = try KoopackBinary.run(["verify", out])
        #expect(run.status == 1)
        #expect(run.stdout.contains("missing: day-01/images/web.qcow2.json"))
    }

    @Test func anExtraFileIsNamed() throws {
        let (release, out) = try bundled()
        defer { withExtendedLifetime(release) {} }
        try "stray".write(toFile: out + "/day-01/notes.txt", atomically: true, encoding: .utf8)
        let run = try KoopackBinary.run(["verify", out])
        #expect(run.status == 1)
        #expect(run.stdout.contains("extra: day-01/notes.txt"))
    }

    @Test func aSymbolicLinkInPlaceOfAFileIsNotAccepted() throws {
        let (release, out) = try bundled()
        defer { withExtendedLifetime(release) {} }
        let target = out + "/day-01/documents/eula.txt"
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: release.folder + "/documents/eula.txt")
        let run = try KoopackBinary.run(["verify", out])
        #expect(run.status == 1)
        #expect(run.stdout.contains("not-a-file: day-01/documents/eula.txt"))
    }

    @Test func anUnreadableManifestIsExitTwo() throws {
        let (release, out) = try bundled()
        defer { withExtendedLifetime(release) {} }
        try "{ not json".write(toFile: out + "/manifest.json", atomically: true, encoding: .utf8)
        let run = try KoopackBinary.run(["verify", out])
        #expect(run.status == 2)
        #expect(run.stderr.contains("manifest.json"))

        try FileManager.default.removeItem(atPath: out + "/manifest.json")
        let missing = try KoopackBinary.run(["verify", out])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("manifest.json"))
    }

    @Test func aManifestPathLeavingTheBundleIsRefused() throws {
        let (release, out) = try bundled()
        defer { withExtendedLifetime(release) {} }
        let url = URL(fileURLWithPath: out + "/manifest.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        try text.replacingOccurrences(of: "\"path\": \"day-01/documents/eula.txt\"", with: "\"path\": \"../../etc/passwd\"")
            .write(to: url, atomically: true, encoding: .utf8)
        let run = try KoopackBinary.run(["verify", out])
        #expect(run.status == 2)
        #expect(run.stderr.contains("../../etc/passwd"))
    }
}
