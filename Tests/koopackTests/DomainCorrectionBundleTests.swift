import Foundation
import Testing

/// `koopack bundle` after DOMAIN.md's corrections: an image known only by its ID is unchecked
/// (KG122), never eligible; the console counts uploads, so two releases sharing a file pay for it
/// twice; bundling a release again supersedes the earlier bundle's reservations.
@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct DomainCorrectionBundleTests {
    static let enterpriseID = "3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44"

    @Test func theExampleReleasesIDOnlySpecificationIsUncheckedAndStillBundles() throws {
        let release = try ExampleReleaseCopy()
        let run = try KoopackBinary.run(["bundle", release.yaml, "--out", release.scratch.file("bundle"), "--ledger", release.ledger],
                                        environment: ["KOOPACK_NOW": String(ExampleReleaseCopy.now), "NO_COLOR": "1"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").first { $0.contains("specification Enterprise") })
        #expect(line == "specification Enterprise: IMS image \(Self.enterpriseID): unchecked", "\(run.stdout)")
        #expect(run.stdout.contains(" KG122 "), "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: release.scratch.file("bundle") + "/manifest.json"))
    }

    @Test func strictRefusesToBundleAnUncheckedImage() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out, ["--strict"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("IMS image \(Self.enterpriseID): ") && run.stdout.contains("not eligible"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func theEUSiteRefusesTheExampleReleasesSingaporeImage() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        let run = try release.bundle(out, ["--site", "eu"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains(" KG110 "), "\(run.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A second release (another product) from the example: the same EULA, every other file
    /// different (texts appended to, the image re-encoded with 8 KiB clusters, another image ID).
    func secondRelease(beside base: ExampleReleaseCopy) throws -> String {
        let folder = base.scratch.file("release-2")
        try FileManager.default.copyItem(atPath: base.folder, toPath: folder)
        for name in ["documents/user-guide.md", "documents/oss-notice.txt", "software/install-agent.sh"] {
            let handle = try #require(FileHandle(forWritingAtPath: folder + "/" + name))
            handle.seekToEndOfFile()
            handle.write(Data("\n# Acme MailStack edition\n".utf8))
            handle.closeFile()
        }
        let certificate = try #require(FileHandle(forWritingAtPath: folder + "/documents/certificate.pdf"))
        certificate.seekToEndOfFile()
        certificate.write(Data("%MailStack\n".utf8))
        certificate.closeFile()
        try Tool.run("qemu-img", ["convert", "-c", "-O", "qcow2", "-o", "cluster_size=8192",
                                  base.folder + "/images/web.qcow2", folder + "/images/web.qcow2"])
        for (file, old, new) in [("images/web.qcow2.json", Self.enterpriseID, "5a7e4c3b-9d6f-4e8a-8b1c-2f9e7d6c5b01"),
                                 ("release.yaml", Self.enterpriseID, "6b8f5d4c-0e7a-4f9b-9c2d-3a0f8e7d6c12"),
                                 ("release.yaml", "name: Acme WebStack 2.4", "name: Acme MailStack 1.0")] {
            let path = folder + "/" + file
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains(old))
            try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        }
        return folder + "/release.yaml"
    }

    @Test func twoReleasesSharingOneEULAPayForItTwiceSoTheFourteenthUploadSpills() throws {
        let release = try ExampleReleaseCopy()
        let second = try secondRelease(beside: release)
        let eula = try Tool.capture("sha256sum", [release.folder + "/documents/eula.txt"]).stdout.prefix(64)
        #expect(try Tool.capture("sha256sum", [(second as NSString).deletingLastPathComponent + "/documents/eula.txt"]).stdout.prefix(64) == eula)
        #expect(try release.bundle(release.scratch.file("one"), ["--files-per-day", "13"]).status == 0)
        let run = try release.bundle(release.scratch.file("two"), ["--files-per-day", "13"], yaml: second)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        // 7 files each, 14 uploads: 13 on the first day, 1 on the next.
        #expect((try release.status(day: "2025-11-25")["files"] as? NSNumber)?.intValue == 13)
        #expect((try release.status(day: "2025-11-26")["files"] as? NSNumber)?.intValue == 1)
        let days = try #require(try readManifest(release.scratch.file("two"))["days"] as? [[String: Any]])
        #expect(days.map { $0["date"] as? String } == ["2025-11-25", "2025-11-26"])
    }

    @Test func bundlingTheSameReleaseAgainSupersedesTheEarlierBundle() throws {
        let release = try ExampleReleaseCopy()
        let first = release.scratch.file("first")
        #expect(try release.bundle(first).status == 0)
        let firstID = try #require(try readManifest(first)["bundle-id"] as? String)
        let run = try release.bundle(release.scratch.file("second"))
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let secondID = try #require(try readManifest(release.scratch.file("second"))["bundle-id"] as? String)
        #expect(run.stdout.contains("superseded bundle \(firstID)"), "\(run.stdout)")
        #expect(run.stdout.contains("7 reservations cancelled"), "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: first + "/manifest.json"), "the earlier folder is left as it is")

        let status = try release.status()
        #expect(status["bundles"] as? [String] == [secondID])
        #expect((status["files"] as? NSNumber)?.intValue == 7)
        let totals = try #require(status["bundle-totals"] as? [[String: Any]])
        #expect(totals.compactMap { ($0["files"] as? NSNumber)?.intValue }.reduce(0, +) == 7)
        #expect(totals.compactMap { ($0["bytes"] as? NSNumber)?.uint64Value }.reduce(0, +)
                == (status["bytes"] as? NSNumber)?.uint64Value)

        let record = try KoopackBinary.run(["quota", "record", "--ledger", release.ledger, first])
        #expect(record.status == 2)
        #expect(record.stderr.contains("superseded by bundle \(secondID)"), "\(record.stderr)")
        #expect(try KoopackBinary.run(["quota", "record", "--ledger", release.ledger, release.scratch.file("second")]).status == 0)
    }
}
