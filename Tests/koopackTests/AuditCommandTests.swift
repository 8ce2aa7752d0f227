import Foundation
import Testing

/// `koopack audit` run as a user would, over the fixture account in testdata/audit.
@Suite struct AuditCommandTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("testdata/audit").path

    /// The states the account's script declares for each image (written by hand, not by koopack).
    static func expectedStates() throws -> (owner: String, states: [String: String]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/expected-audit.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let images = try #require(root["images"] as? [String: [String: Any]])
        return (try #require(root["seller-owner"] as? String), images.compactMapValues { $0["state"] as? String })
    }

    static var listFiles: [String] {
        ["images-af-south-1.json", "images-ap-southeast-3.json", "images-la-south-2.json"].map { folder + "/" + $0 }
    }

    @Test func everyImageOfTheFixtureAccountGetsTheStateItsScriptDeclares() throws {
        let (owner, expected) = try Self.expectedStates()
        let run = try KoopackBinary.run(["audit", "--format", "json", "--owner", owner,
                                         "--released-list", Self.folder + "/released-list.txt"] + Self.listFiles)
        #expect(run.status == 0, "\(run.stderr)")
        let root = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        let entries = try #require(Self.entries(root))
        var states: [String: String] = [:]
        for entry in entries {
            if let id = entry["id"] as? String, let state = entry["state"] as? String { states[id] = state }
        }
        #expect(states == expected)
    }

    @Test func csvHasAHeaderAndOneRowPerImageAndTextEndsWithTheCounts() throws {
        let (owner, expected) = try Self.expectedStates()
        let csv = try KoopackBinary.run(["audit", "--format", "csv", "--owner", owner,
                                         "--released-list", Self.folder + "/released-list.txt"] + Self.listFiles)
        #expect(csv.status == 0)
        let rows = csv.stdout.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).filter { !$0.isEmpty }
        #expect(rows.count == expected.count + 1)
        let text = try KoopackBinary.run(["audit", "--owner", owner,
                                          "--released-list", Self.folder + "/released-list.txt"] + Self.listFiles)
        let locked = expected.values.filter { $0 == "locked" }.count
        #expect(text.stdout.contains("\(expected.count) images: \(locked) locked"))
        #expect(text.stdout.contains("AP-Singapore"))
    }

    @Test func theTextFitsAHundredColumnTerminalWithEveryImageIDAndNextStep() throws {
        let (owner, expected) = try Self.expectedStates()
        let json = try KoopackBinary.run(["audit", "--format", "json", "--owner", owner,
                                          "--released-list", Self.folder + "/released-list.txt"] + Self.listFiles)
        let entries = try #require(Self.entries(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8))))
        let text = try KoopackBinary.run(["audit", "--owner", owner,
                                          "--released-list", Self.folder + "/released-list.txt"] + Self.listFiles)
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        for line in lines { #expect(line.count <= 100, "\(line.count) columns: \(line)") }
        #expect(entries.count == expected.count)
        for entry in entries {
            let id = try #require(entry["id"] as? String)
            #expect(lines.contains { $0.contains(id) }, "\(id) is not in the text")
        }
        #expect(lines.filter { $0.hasPrefix("    next step: ") }.count == expected.count)
    }

    @Test func theStateFilterKeepsOnlyTheStatesAsked() throws {
        let (owner, expected) = try Self.expectedStates()
        let run = try KoopackBinary.run(["audit", "--format", "json", "--owner", owner, "--state", "locked,market-derived",
                                         "--released-list", Self.folder + "/released-list.txt"] + Self.listFiles)
        let entries = try #require(Self.entries(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))))
        #expect(Set(entries.compactMap { $0["state"] as? String }).isSubset(of: ["locked", "market-derived"]))
        #expect(entries.count == expected.values.filter { $0 == "locked" || $0 == "market-derived" }.count)
    }

    @Test func aListThatIsNotJSONIsAnErrorNamingTheFileWithExitTwo() throws {
        let scratch = try Scratch()
        let bad = try scratch.write("images-ap-southeast-3.json", Array("{\"images\": [".utf8))
        let run = try KoopackBinary.run(["audit", bad] + Self.listFiles)
        #expect(run.status == 2)
        #expect(run.stderr.contains("images-ap-southeast-3.json"))
        #expect(run.stdout.contains("images:"), "the other lists are still audited")
    }

    @Test func aReleaseNamingANotReleasableImageExitsOne() throws {
        let (owner, expected) = try Self.expectedStates()
        let scratch = try Scratch()
        let derived = try #require(expected.first { $0.value == "market-derived" }?.key)
        let releasable = try #require(expected.first { $0.value == "releasable" }?.key)
        let base = Self.folder + "/../releases/example"
        /// The example release with its specifications replaced by one naming image `id`.
        func release(_ id: String) throws -> String {
            let yaml = try String(contentsOfFile: base + "/release.yaml", encoding: .utf8)
            let head = try #require(yaml.components(separatedBy: "\nspecifications:").first)
            let folder = scratch.file(id)
            try FileManager.default.copyItem(atPath: base, toPath: folder)
            try (head + "\nspecifications:\n  - name: Standard\n    image:\n      id: \(id)\n    regions: [AP-Singapore]\n")
                .write(toFile: folder + "/release.yaml", atomically: true, encoding: .utf8)
            return folder + "/release.yaml"
        }
        let args = ["audit", "--owner", owner, "--released-list", Self.folder + "/released-list.txt"] + Self.listFiles
        let bad = try KoopackBinary.run(args + ["--release", try release(derived)])
        #expect(bad.status == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains(derived))
        let good = try KoopackBinary.run(args + ["--release", try release(releasable)])
        #expect(good.status == 0, "\(good.stderr)")
    }

    static func entries(_ root: Any) -> [[String: Any]]? {
        if let object = root as? [String: Any] {
            if let images = object["images"] as? [[String: Any]] { return images }
            if let entries = object["entries"] as? [[String: Any]] { return entries }
        }
        return root as? [[String: Any]]
    }
}

/// The release register round trip: `bundle` writes the image into the ledger's register, and
/// once the bundle is recorded as uploaded, `audit` shows the image as locked.
@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct AuditRegisterTests {
    @Test func anImageBundledAndRecordedShowsAsLocked() throws {
        let release = try ExampleReleaseCopy()
        let out = release.scratch.file("bundle")
        let bundled = try release.bundle(out)
        #expect(bundled.status == 0, "\(bundled.stderr)")

        let before = try KoopackBinary.run(["audit", "--format", "json", "--ledger", release.ledger, release.folder + "/images/web.qcow2"])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(Self.states(before.stdout).allSatisfy { $0 != "locked" }, "bundled but not uploaded: not yet released")

        let recorded = try KoopackBinary.run(["quota", "record", out, "--ledger", release.ledger],
                                             environment: ["KOOPACK_NOW": String(ExampleReleaseCopy.now)])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let after = try KoopackBinary.run(["audit", "--format", "json", "--ledger", release.ledger, release.folder + "/images/web.qcow2"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(Self.states(after.stdout) == ["locked"], "\(after.stdout)")
    }

    static func states(_ json: String) -> [String] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let images = root["images"] as? [[String: Any]] else { return [] }
        return images.compactMap { $0["state"] as? String }
    }
}

@Suite struct AuditUsageTests {
    @Test func anUnknownStateIsAUsageErrorBeforeAnyInputIsRead() throws {
        let run = try KoopackBinary.run(["audit", "--state", "locked,bogus", "/nonexistent/images.json"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--state") && run.stderr.contains("bogus"), "\(run.stderr)")
        #expect(!run.stderr.contains("/nonexistent"), "the input was read: \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
