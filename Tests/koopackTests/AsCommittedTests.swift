import Foundation
import Testing

/// The project's own example, demo and installation, as committed: the README's bundle command
/// on a fresh checkout, the demo's guests, the completions `make install` writes, and SARIF
/// output held against a SARIF 2.1.0 model from PyPI.
@Suite struct AsCommittedTests {
    static let exampleImage = SourceTree.testdata("releases/example/images/web.qcow2")

    @Test func theReadmesBundleCommandWorksAsWrittenOnTheCommittedExample() throws {
        let command = "koopack bundle testdata/releases/example/release.yaml --out /tmp/b"
        let readme = try String(contentsOfFile: SourceTree.root + "/README.md", encoding: .utf8)
        #expect(readme.contains(command), "the README no longer gives the command")
        let scratch = try Scratch()
        let out = scratch.file("b")
        // The README's command from the checkout's root, with only the folder and the ledger's
        // home moved into the scratch folder.
        let arguments = command.split(separator: " ").dropFirst().map { $0 == "/tmp/b" ? out : String($0) }
        let run = try Tool.capture(KoopackBinary.path, arguments, environment: ["XDG_DATA_HOME": scratch.file("data")],
                                   in: SourceTree.root)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(try Tool.capture("sha256sum", ["--quiet", "--strict", "-c", "SHA256SUMS"], in: out).status == 0)
        let manifest = try readManifest(out)
        let files = try #require(manifest["files"] as? [[String: Any]])
        let image = try #require(files.first { $0["name"] as? String == "images/web.qcow2" })
        #expect(image["role"] as? String == "image")
        #expect(FileManager.default.fileExists(atPath: scratch.file("data/koopack/ledger.sqlite")))
    }

    @Test(.enabled(if: QemuImg.available && Tool.exists("sfdisk", "mkfs.ext4", "truncate"), "needs qemu-img, sfdisk and mkfs.ext4"))
    func theCommittedExampleImageIsWhatItsScriptMakes() throws {
        let scratch = try Scratch()
        let fresh = scratch.file("web.qcow2")
        try Tool.run("sh", [SourceTree.testdata("releases/example/images/make-image.sh"), fresh])
        #expect(try Tool.capture("qemu-img", ["compare", Self.exampleImage, fresh]).status == 0)
        // The disk the README describes, read back by sfdisk from the committed image.
        let raw = scratch.file("web.raw")
        try QemuImg.run(["convert", "-O", "raw", Self.exampleImage, raw])
        let dump = try JSONSerialization.jsonObject(with: Data(try Tool.run("sfdisk", ["--json", raw]).utf8))
        let table = try #require((dump as? [String: Any])?["partitiontable"] as? [String: Any])
        #expect(table["label"] as? String == "dos" && table["id"] as? String == "0x4b4f4f50")
        let partitions = try #require(table["partitions"] as? [[String: Any]])
        #expect(partitions.count == 1)
        #expect((partitions.first?["start"] as? NSNumber)?.intValue == 2048)
        #expect((partitions.first?["size"] as? NSNumber)?.intValue == 129_024)
        #expect(partitions.first?["type"] as? String == "83" && partitions.first?["bootable"] as? Bool == true)
        #expect(try scratch.size("web.raw") == 64 << 20)
    }

    @Test(.enabled(if: QemuImg.available && Tool.exists("sfdisk", "mkfs.ext4", "mkfs.vfat"), "needs qemu-img, sfdisk, mkfs.ext4 and mkfs.vfat"))
    func theDemosCleanGuestScansCleanAndThePresetOneIsCaught() throws {
        let scratch = try Scratch()
        try Tool.run("sh", [SourceTree.testdata("demo/make-guests.sh"), scratch.path])
        let clean = scratch.file("web-server.qcow2"), preset = scratch.file("web-preset.qcow2")
        let json = try KoopackBinary.run(["scan", "--format", "json", clean, preset])
        #expect(json.status == 1, "\(json.stderr)")
        let reports = try parseReports(json.stdout)
        #expect(reports.count == 2)
        func findings(_ report: [String: Any]?, _ severity: String) -> [String] {
            ((report?["findings"] as? [[String: Any]]) ?? []).filter { $0["severity"] as? String == severity }
                .compactMap { $0["rule"] as? String }
        }
        let cleanReport = reports.first { $0["image"] as? String == clean }
        #expect(cleanReport?["scanned"] as? Bool == true)
        #expect((cleanReport?["os"] as? [String: Any])?["version-id"] as? String == "24.04")
        #expect(findings(cleanReport, "error").isEmpty && findings(cleanReport, "warning").isEmpty, "\(cleanReport ?? [:])")
        let presetReport = reports.first { $0["image"] as? String == preset }
        #expect(Set(findings(presetReport, "error")) == ["KG401", "KG403"])
        let text = try KoopackBinary.run(["scan", clean], environment: ["NO_COLOR": "1"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("\(clean): clean\n"), "\(text.stdout)")
        let check = try KoopackBinary.run(["check", "--format", "json", "--owner", "0a8f3c1d6e2b4f7a9c5d8e1b3a6f4c2d", clean])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(try parseReports(check.stdout).first?["verdict"] as? String == "eligible")
    }

    @Test(.enabled(if: Tool.exists("make", "bash"), "needs make and bash"))
    func makeInstallPutsCompletionsForBashZshAndFishWhereEachShellLooks() throws {
        let scratch = try Scratch()
        try Tool.run("make", ["-s", "install-files", "KOOPACK=\(KoopackBinary.path)", "DESTDIR=\(scratch.path)", "PREFIX=/usr"],
                     in: SourceTree.root)
        let bash = scratch.file("usr/share/bash-completion/completions/koopack")
        let zsh = try String(contentsOfFile: scratch.file("usr/share/zsh/site-functions/_koopack"), encoding: .utf8)
        let fish = try String(contentsOfFile: scratch.file("usr/share/fish/vendor_completions.d/koopack.fish"), encoding: .utf8)
        try Tool.run("bash", ["-n", bash])
        let bashText = try String(contentsOfFile: bash, encoding: .utf8)
        #expect(bashText.contains("complete -o filenames -F _koopack koopack"))
        #expect(zsh.hasPrefix("#compdef koopack"))
        #expect(fish.contains("complete -c 'koopack'"))
        for command in ["inspect", "check", "scan", "sbom", "bundle", "verify", "quota", "audit"] {
            #expect(bashText.contains(command) && zsh.contains(command) && fish.contains(command), "\(command)")
        }
        #expect(FileManager.default.isExecutableFile(atPath: scratch.file("usr/bin/koopack")))
        #expect(FileManager.default.fileExists(atPath: scratch.file("usr/share/man/man1/koopack.1")))
        #expect(FileManager.default.fileExists(atPath: scratch.file("usr/share/man/man5/koopack-release.5")))
        let readme = try String(contentsOfFile: SourceTree.root + "/README.md", encoding: .utf8)
        #expect(readme.contains("completions"), "the README does not say make install writes completions")
    }

    /// A SARIF log from `koopack check --format sarif` on the committed example image and on
    /// a copy whose metadata makes it ineligible, validated by the `sarif-pydantic` model.
    @Test(.enabled(if: SARIFValidators.modelAvailable, "sarif-pydantic is not installed (make deps installs it)"))
    func aRealCheckLogValidatesAgainstASARIFModelFromPyPI() throws {
        let scratch = try Scratch()
        let folder = scratch.file("images")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["web.qcow2", "bad.qcow2"] {
            try FileManager.default.copyItem(atPath: Self.exampleImage, toPath: folder + "/" + name)
        }
        let sidecar = try String(contentsOfFile: Self.exampleImage + ".json", encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.exampleImage + ".json", toPath: folder + "/web.qcow2.json")
        try scratch.write("images/bad.qcow2.json", sidecar.replacingOccurrences(of: "\"__whole_image\": false", with: "\"__whole_image\": true")
            .replacingOccurrences(of: "\"status\": \"active\"", with: "\"status\": \"saving\""))
        let run = try KoopackBinary.run(["check", "--format", "sarif", folder])
        #expect(run.status == 1, "\(run.stderr)")
        let log = try scratch.write("check.sarif", run.stdout)
        let validated = try SARIFValidators.validateWithModel(log)
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        let results = validated.stdout.split(separator: "\n")
        #expect(results.contains("KG101 error") && results.contains("KG118 error"), "\(validated.stdout)")
        #expect(results.contains("KG117 note"), "\(validated.stdout)")
    }
}
