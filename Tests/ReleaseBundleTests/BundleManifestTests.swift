import DiskImage
import Foundation
import Testing
@testable import ReleaseBundle

@Suite struct BundleManifestTests {
    static let digest = String(repeating: "ab", count: 32)

    static func sample() -> BundleManifest {
        let day1 = BundleManifest.Day(index: 1, date: "2025-11-25"), day2 = BundleManifest.Day(index: 2, date: "2025-11-26")
        return BundleManifest(
            bundleID: "acme-20251125-0000abcd", createdAt: 1_764_000_000, product: "Acme \"WebStack\" 2.4",
            pricingMode: "paid", pricingTemplate: "vcpu", isPublic: true, regions: ["ap-southeast-3"],
            specifications: [.init(name: "Standard", imageFile: "images/web.qcow2", imageID: nil,
                                   metadataFile: "images/web.qcow2.json", regions: ["ap-southeast-3"]),
                             .init(name: "Enterprise", imageFile: nil, imageID: "3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44",
                                   metadataFile: nil, regions: [])],
            filesPerDay: 100, bytesPerDay: 10_000_000_000, timeZone: "GMT+08:00", days: [day1, day2],
            files: [.init(path: "day-01/images/web.qcow2", name: "images/web.qcow2", size: 10_000_000_000,
                          sha256: digest, role: "image", day: day1, keys: ["specifications[0].image.file"]),
                    .init(path: "day-02/docs/eula.txt", name: "docs/eula.txt", size: 12, sha256: String(repeating: "0", count: 64),
                          role: "eula", day: day2, keys: ["documents.eula"])])
    }

    @Test func aManifestReadsBackAsWritten() throws {
        let manifest = Self.sample()
        let text = manifest.json.serialized(indent: 2)
        #expect(try BundleManifest.parse(Array(text.utf8), file: "manifest.json") == manifest)
        // Foundation's JSON parser reads it too (an independent reader).
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["bundle-id"] as? String == "acme-20251125-0000abcd")
    }

    @Test func sha256sumsUsesTheFormatOfSha256sum() {
        #expect(Self.sample().sha256sums == "\(Self.digest)  day-01/images/web.qcow2\n\(String(repeating: "0", count: 64))  day-02/docs/eula.txt\n")
    }

    @Test func dayFoldersAreNumberedWithTwoDigitsAtLeast() {
        #expect(BundleManifest.Day(index: 1, date: "").directory == "day-01")
        #expect(BundleManifest.Day(index: 12, date: "").directory == "day-12")
        #expect(BundleManifest.Day(index: 123, date: "").directory == "day-123")
    }

    /// The sample's JSON with `old` replaced by `new`.
    func patched(_ old: String, _ new: String) -> [UInt8] {
        let text = Self.sample().json.serialized(indent: 2)
        #expect(text.contains(old))
        return Array(text.replacingOccurrences(of: old, with: new).utf8)
    }

    @Test(arguments: [
        ("\"day-01/images/web.qcow2\"", "\"../escape\"", "not a plain relative path"),
        ("\"day-01/images/web.qcow2\"", "\"/etc/passwd\"", "not a plain relative path"),
        ("\"day-01/images/web.qcow2\"", "\"day-01/./x\"", "not a plain relative path"),
        ("\"day-01/images/web.qcow2\"", "\"day-01//x\"", "not a plain relative path"),
        ("\"day-01/images/web.qcow2\"", "\"manifest.json\"", "bundle's own"),
        ("\"day-01/images/web.qcow2\"", "\"day-02/docs/eula.txt\"", "listed twice"),
        ("\"sha256\": \"\(digest)\"", "\"sha256\": \"ABAB\"", "sha256"),
        ("\"size\": 10000000000", "\"size\": -1", "size"),
        ("\"size\": 10000000000", "\"size\": \"big\"", "size"),
        ("\"version\": 1", "\"version\": 2", "version 2"),
        ("\"format\": \"koopack-bundle\"", "\"format\": \"other\"", "not a koopack bundle manifest"),
        ("\"index\": 2", "\"index\": 0", "index"),
    ])
    func aHostileManifestIsRefusedNamingWhatIsWrong(old: String, new: String, expected: String) throws {
        do {
            _ = try BundleManifest.parse(patched(old, new), file: "manifest.json")
            Issue.record("the manifest was accepted")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func notJSONIsRefused() {
        #expect(throws: BundleError.self) { try BundleManifest.parse(Array("{\"files\": [".utf8), file: "m") }
        #expect(throws: BundleError.self) { try BundleManifest.parse([], file: "m") }
    }

    @Test func tooManyFilesAreRefusedBeforeTheyAreRead() throws {
        let entry = "{\"path\": \"a\", \"name\": \"a\", \"size\": 1, \"sha256\": \"\(Self.digest)\", \"role\": \"x\", \"day\": {\"index\": 1, \"date\": \"d\"}, \"keys\": []}"
        let files = Array(repeating: entry, count: BundleManifest.maximumFiles + 1).joined(separator: ",")
        let text = Self.sample().json.serialized(indent: nil)
        let start = try #require(text.range(of: "\"files\":"))
        let bytes = Array((String(text[..<start.lowerBound]) + "\"files\": [\(files)]}").utf8)
        do {
            _ = try BundleManifest.parse(bytes, file: "manifest.json")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("more than the limit"), "\(error.message)")
        }
    }
}

@Suite struct BundleStageTests {
    @Test func anExistingFolderOrDanglingLinkIsNeverReplaced() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("out"), withIntermediateDirectories: false)
        #expect(throws: BundleError.self) { try BundleStage(finalPath: scratch.file("out")) }
        try FileManager.default.createSymbolicLink(atPath: scratch.file("dangling"), withDestinationPath: scratch.file("nowhere"))
        #expect(throws: BundleError.self) { try BundleStage(finalPath: scratch.file("dangling")) }
        #expect(throws: BundleError.self) { try BundleStage(finalPath: scratch.file("no-parent/out")) }
    }

    @Test func commitRefusesAFolderMadeMeanwhile() throws {
        let scratch = try Scratch()
        let stage = try BundleStage(finalPath: scratch.file("out"))
        try FileManager.default.createDirectory(atPath: scratch.file("out"), withIntermediateDirectories: false)
        #expect(throws: BundleError.self) { try stage.commit() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("out")).isEmpty)
        stage.discard()
        #expect(!FileManager.default.fileExists(atPath: stage.partialPath))
    }

    @Test func aPartialFolderOfADeadProcessIsStaleAndOneOfALiveProcessIsNot() throws {
        let scratch = try Scratch()
        // A child that has exited: its PID is free (and not reused within the test).
        let child = try Tool.capture("true", [])
        let dead = scratch.file(BundleStage.partialName(of: "out", pid: child.pid))
        let alive = scratch.file(BundleStage.partialName(of: "other", pid: 1))
        for folder in [dead, alive] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false) }
        try BundleManifestTests.sample().json.serialized().write(toFile: dead + "/manifest.json", atomically: true, encoding: .utf8)
        let stale = BundleStage.stalePartials(near: scratch.file("out"))
        #expect(stale == [.init(path: dead, pid: child.pid, bundleID: "acme-20251125-0000abcd")])
    }

    @Test func partialNamesAreRecognisedExactly() {
        #expect(BundleStage.partialPID(".out.partial-123") == 123)
        #expect(BundleStage.partialPID(".a.partial-b.partial-77") == 77)
        #expect(BundleStage.partialPID(".out.partial-") == nil)
        #expect(BundleStage.partialPID("out.partial-5") == nil)
        #expect(BundleStage.partialPID(".out.partial-x5") == nil)
        #expect(BundleStage.partialPID(".out.partial-0") == nil)
    }

    @Test func aWholeBundleIsStagedLaidOutByDayAndCommitted() async throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("src/docs"), withIntermediateDirectories: true)
        try "eula".write(toFile: scratch.file("src/docs/eula.txt"), atomically: true, encoding: .utf8)
        try "guide".write(toFile: scratch.file("src/guide.md"), atomically: true, encoding: .utf8)
        let items = [BundleItem(name: "docs/eula.txt", source: scratch.file("src/docs/eula.txt"), role: "eula", keys: ["documents.eula"], size: 4),
                     BundleItem(name: "guide.md", source: scratch.file("src/guide.md"), role: "user-guide", keys: ["documents.user-guide"], size: 5)]
        let stage = try BundleStage(finalPath: scratch.file("out"))
        let staged = try await stage.copyIn(items, link: false, width: 2, counter: ByteCounter(), stop: StopFlag())
        let day1 = BundleManifest.Day(index: 1, date: "2025-11-25"), day2 = BundleManifest.Day(index: 2, date: "2025-11-26")
        // Laid out once, then again on other days (a re-plan): files move, nothing is left behind.
        _ = try stage.layOut(staged) { _ in day1 }
        let files = try stage.layOut(staged) { $0 == "guide.md" ? day2 : day1 }
        var manifest = BundleManifestTests.sample()
        manifest.days = [day1, day2]
        manifest.files = files
        try stage.finish(manifest)
        try stage.commit()
        let out = scratch.file("out")
        #expect(!FileManager.default.fileExists(atPath: stage.partialPath))
        let listing = try FileManager.default.subpathsOfDirectory(atPath: out).sorted()
        #expect(listing == ["SHA256SUMS", "day-01", "day-01/docs", "day-01/docs/eula.txt", "day-02", "day-02/guide.md", "manifest.json"])
        let verification = try await BundleVerifier.verify(out, width: 2)
        #expect(verification.differences.isEmpty)
        #expect(verification.verifiedFiles == 2)
    }
}
