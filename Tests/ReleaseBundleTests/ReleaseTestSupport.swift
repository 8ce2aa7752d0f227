import Foundation
import Testing
@testable import ReleaseBundle
// The shared process runner and scratch folder, for every file of these tests.
@_exported import KoopackTestSupport

/// The committed example release, and temporary copies of it to vary.
struct ExampleRelease {
    /// `testdata/releases/example` in the source tree.
    static let source: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/releases/example")

    static var qemuImgAvailable: Bool { QemuImg.available }

    /// A temporary folder holding the example folder (as `release/`), with `images/web.qcow2`
    /// made by qemu-img (a 64 MiB qcow2), or, without qemu-img, a stand-in file: parsing only
    /// needs the file to exist.
    let root: URL
    var folder: URL { root.appendingPathComponent("release") }
    var yamlPath: String { folder.appendingPathComponent("release.yaml").path }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("koopack-release-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.source, to: root.appendingPathComponent("release"))
        let image = folder.appendingPathComponent("images/web.qcow2").path
        if Self.qemuImgAvailable {
            try QemuImg.run(["create", "-q", "-f", "qcow2", image, "64M"])
        } else {
            try Data(repeating: 0, count: 4096).write(to: URL(fileURLWithPath: image))
        }
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// The committed release.yaml's text.
    static func yaml() throws -> String {
        try String(contentsOf: source.appendingPathComponent("release.yaml"), encoding: .utf8)
    }

    /// Writes `text` as the copy's release.yaml and loads it.
    func load(_ text: String) throws -> Release {
        try text.write(toFile: yamlPath, atomically: true, encoding: .utf8)
        return try Release.load(path: yamlPath)
    }

    /// Writes `text` and returns the problems loading it reports (failing when it loads).
    func problems(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [ReleaseProblem] {
        do {
            _ = try load(text)
            Issue.record("the release loaded, but problems were expected", sourceLocation: sourceLocation)
            return []
        } catch let error as ReleaseFileError {
            return error.problems
        }
    }

    func write(_ name: String, _ text: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
func line(of needle: String, in text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let index = lines.firstIndex(where: { $0.contains(needle) }) else {
        Issue.record("\(needle) is not in the text", sourceLocation: sourceLocation)
        return -1
    }
    return index + 1
}

extension String {
    /// The text with the first `old` replaced by `new`, recording an issue when `old` is absent.
    func replacing1(_ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        guard let range = range(of: old) else {
            Issue.record("\(old) is not in the text", sourceLocation: sourceLocation)
            return self
        }
        return replacingCharacters(in: range, with: new)
    }
}
