import Foundation
import Testing
@testable import koopack

/// `koopack inspect --output=json`: a drop-in for `qemu-img info --output=json` in scripts,
/// held against qemu-img itself, run live on the committed fixtures.
@Suite(.enabled(if: QemuImg.available, "qemu-img is not installed"))
struct InspectQemuOutputTests {
    static let folder = SourceTree.testdata("images")

    /// Every fixture with qemu-img's JSON beside it (testdata/images/README.md).
    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".qemu.json") }.map { String($0.dropLast(".qemu.json".count)) }
            .filter { FileManager.default.fileExists(atPath: folder + "/" + $0) }.sorted()
    }

    /// The fixtures with a backing file.
    static let overlays = ["qcow2-overlay.qcow2", "qcow-backed.qcow", "qed-raw-backed.qed"]

    /// Keys where koopack is right and qemu-img is not (testdata/images/README.md): a fixed VHD
    /// and an ISO are `raw` to qemu-img, and ZVHD's header has no public specification.
    static func exceptions(_ name: String) -> Set<String> {
        if name.hasSuffix(".iso") { return ["format", "format-specific"] }
        if name.hasSuffix(".zvhd") { return ["format", "virtual-size", "format-specific"] }
        if name.contains("fixed") && name.hasSuffix(".vhd") { return ["format", "virtual-size", "format-specific"] }
        return []
    }

    /// Runs `arguments` in the fixtures' folder, as qemu-img is run, so names compare as written.
    func inFolder(_ arguments: [String]) throws -> ToolRun {
        try Tool.capture(KoopackBinary.path, arguments, in: Self.folder)
    }

    /// Every key both print agrees, and koopack prints no key qemu-img does not.
    func expectSameShape(_ mine: [String: Any], _ theirs: [String: Any], _ name: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        var mine = mine, theirs = theirs
        for key in Self.exceptions(name) {
            mine[key] = nil
            theirs[key] = nil
        }
        let differences = disagreements(mine, theirs)
        #expect(differences.isEmpty, "\(name):\n\(differences.joined(separator: "\n"))", sourceLocation: sourceLocation)
        let extra = Set(mine.keys).subtracting(theirs.keys)
        #expect(extra.isEmpty, "\(name): koopack prints \(extra.sorted()), qemu-img does not", sourceLocation: sourceLocation)
    }

    @Test(arguments: fixtures)
    func oneImageIsOneObjectThatAgreesWithQemuImgKeyForKey(name: String) throws {
        let run = try inFolder(["inspect", "--output=json", name])
        #expect(run.status == 0, "\(run.stderr)")
        let mine = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                                "not one JSON object:\n\(run.stdout)")
        let theirs = try QemuImg.info(name, in: Self.folder)
        expectSameShape(mine, theirs, name)
        // qemu-img's own spelling with a space means the same.
        #expect(try inFolder(["inspect", "--output", "json", name]).stdout == run.stdout)
    }

    @Test(arguments: overlays)
    func theBackingChainIsTheArrayQemuImgPrints(name: String) throws {
        let run = try inFolder(["inspect", "--output=json", "--backing-chain", name])
        #expect(run.status == 0, "\(run.stderr)")
        let mine = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let text = try QemuImg.run(["info", "--output=json", "--backing-chain", name], in: Self.folder)
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(mine.count == theirs.count && mine.count >= 2)
        for (index, (image, reference)) in zip(mine, theirs).enumerated() {
            expectSameShape(image, reference, "\(name)[\(index)]")
        }
    }

    @Test func formatJSONKeepsKoopacksArrayOfEveryInput() throws {
        let run = try inFolder(["inspect", "--format", "json", "qcow2-overlay.qcow2", "raw-64k.img"])
        #expect(run.status == 0)
        let reports = try parseReports(run.stdout)
        #expect(reports.map { $0["filename"] as? String } == ["qcow2-overlay.qcow2", "raw-64k.img"])
        #expect(reports.allSatisfy { $0["warnings"] != nil })
    }

    @Test func outputJSONTakesOneImageAndOneSpellingAsAUsageError() throws {
        for arguments in [["--output=json", "raw-64k.img", "qcow2-overlay.qcow2"],
                          ["--format", "json", "--output", "json", "raw-64k.img"],
                          ["--format=json", "--backing-chain", "raw-64k.img"]] {
            let run = try inFolder(["inspect"] + arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stdout.isEmpty && !run.stderr.isEmpty, "\(arguments): \(run.stderr)")
        }
    }
}

/// The start-up fast path of `koopack inspect` accepts exactly what the full parser accepts.
@Suite struct InspectQuickArgumentsTests {
    static let accepted: [[String]] = [
        ["a.qcow2"], ["a.qcow2", "b.vmdk"], ["--format", "json", "a", "b"], ["--format=text", "a"],
        ["--no-guest", "a"], ["--output=json", "a"], ["--output", "json", "a"], ["--output=human", "a", "b"],
        ["--output=json", "--backing-chain", "a"], ["--backing-chain", "a"], ["--no-guest", "--format=json", "a"],
        ["--", "-odd-name"], ["a", "--output", "json"],
    ]
    static let refused: [[String]] = [
        [], ["--help"], ["--output=json", "a", "b"], ["--format", "json", "--output", "json", "a"],
        ["--format=json", "--backing-chain", "a"], ["--output=xml", "a"], ["--format", "yaml", "a"], ["--unknown", "a"],
    ]

    @Test(arguments: accepted)
    func whatTheFastPathTakesIsWhatTheParserMakes(arguments: [String]) throws {
        let quick = try #require(InspectCommand.quickArguments(arguments), "\(arguments) fell back to the parser")
        #expect(quick == (try InspectCommand.parse(arguments).request()))
    }

    @Test(arguments: refused)
    func whatTheParserRefusesTheFastPathLeavesToIt(arguments: [String]) {
        #expect(InspectCommand.quickArguments(arguments) == nil, "\(arguments)")
        #expect(throws: (any Error).self) { try InspectCommand.parse(arguments).request() }
    }

    @Test func outputJSONReadsNoGuestAndFormatJSONDoes() throws {
        #expect(InspectCommand.quickArguments(["--output=json", "a"]) ==
                (try InspectRequest(images: ["a"], format: nil, output: .json, noGuest: false, backingChain: false)))
        #expect(InspectCommand.quickArguments(["--output=json", "a"])?.guest == false)
        #expect(InspectCommand.quickArguments(["--format=json", "a"])?.guest == true)
        #expect(InspectCommand.quickArguments(["--format=json", "a"])?.style == .json)
        #expect(InspectCommand.quickArguments(["a"])?.style == .text)
    }
}
